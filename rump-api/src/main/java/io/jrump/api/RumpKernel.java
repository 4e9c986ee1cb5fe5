package io.jrump.api;

import java.util.List;

/**
 * A booted kernel. Kernels are independent: two kernels in one JVM share no mutable state.
 * Closing a kernel exits all its processes, unmounts its file systems, closes its devices and
 * releases every resource it holds; later calls throw {@link KernelClosedException}.
 */
public interface RumpKernel extends AutoCloseable {
    /** A name unique in this JVM, used in messages ("rump-17"). */
    String name();

    /** The platform the kernel runs on ("host", "xen", "arm"). */
    String platformName();

    /** The names of the components (factions) booted into this kernel, in boot order. */
    List<String> components();

    /** The system calls of process 1, which runs as root. */
    Syscalls sys();

    /** Starts a new process, a child of process 1, with the given credentials, cwd "/" and umask 022. */
    RumpProcess spawn(Credentials credentials) throws ErrnoException;

    /** The network configuration; every call answers ENOSYS when the kernel has no network component. */
    NetConfig netconfig();

    /**
     * What the kernel has cost so far: CPU time, system calls, requests, bytes, time alive.
     * Kernels booted with the option {@code accounting=off} count no CPU, calls or bytes.
     */
    KernelAccounting accounting();

    boolean isClosed();

    @Override
    void close();
}
