package io.jrump.api;

/**
 * A process of a kernel: credentials, a descriptor table, a working directory and a umask.
 * Closing it is its exit: every descriptor it holds is closed.
 */
public interface RumpProcess extends AutoCloseable {
    int pid();

    /** The process's current credentials. */
    Credentials credentials();

    /** The system calls of this process. */
    Syscalls sys();

    /** Exits the process; later calls through {@link #sys()} throw {@link KernelClosedException}. */
    @Override
    void close();
}
