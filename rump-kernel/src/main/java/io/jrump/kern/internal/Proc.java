package io.jrump.kern.internal;

import io.jrump.kern.Accounting;
import io.jrump.api.Credentials;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.RumpProcess;
import io.jrump.api.Syscalls;
import io.jrump.kern.Caller;
import io.jrump.kern.Cred;
import io.jrump.kern.DirRef;
import io.jrump.kern.KFile;

/**
 * A process (NetBSD's {@code struct proc} and {@code struct lwp} in one): credentials, a
 * descriptor table, a working directory and a umask. Threads of the Java program act as its
 * threads; every field is safe for concurrent system calls.
 */
final class Proc implements RumpProcess, Caller {
    private final Kernel kernel;
    private final int pid;
    private final int ppid;
    private final FdTable fds = new FdTable();
    private final Syscalls sys;
    private volatile Cred cred;
    private volatile DirRef cwd;
    private volatile int umask;
    private volatile boolean exited;

    Proc(Kernel kernel, int pid, int ppid, Cred cred, DirRef cwd, int umask) {
        this.kernel = kernel;
        this.pid = pid;
        this.ppid = ppid;
        this.cred = cred;
        this.cwd = cwd;
        this.umask = umask;
        SyscallLayer layer = new SyscallLayer(kernel, this);
        Accounting acct = kernel.accountingMeter();
        this.sys = acct.enabled() ? new AccountedSyscalls(layer, this, acct) : layer;
    }

    @Override
    public int pid() {
        return pid;
    }

    int ppid() {
        return ppid;
    }

    Kernel kernel() {
        return kernel;
    }

    @Override
    public Cred cred() {
        return cred;
    }

    void cred(Cred c) {
        cred = c;
    }

    @Override
    public DirRef cwd() {
        return cwd;
    }

    /** Makes {@code dir} the working directory and releases the old one. */
    void chdir(DirRef dir) {
        DirRef old;
        synchronized (this) {
            old = cwd;
            cwd = dir;
        }
        if (old != null) {
            old.release();
        }
    }

    int umask() {
        return umask;
    }

    synchronized int umask(int mask) {
        int old = umask;
        umask = mask & 0777;
        return old;
    }

    FdTable fds() {
        return fds;
    }

    /**
     * Installs a file the calling system call has just opened at the lowest free descriptor;
     * when that fails (the table is full or closed) the file is closed, since nothing else
     * holds it.
     */
    int installNew(KFile f, boolean closeOnExec) throws ErrnoException {
        try {
            return fds.install(f, 0, closeOnExec);
        } catch (ErrnoException e) {
            kernel.closeQuietly(f);
            throw e;
        }
    }

    @Override
    public Credentials credentials() {
        return cred.toCredentials();
    }

    @Override
    public Syscalls sys() {
        return sys;
    }

    /** Throws when the process or its kernel is gone; the first thing every system call does. */
    void checkAlive() {
        if (exited) {
            throw new KernelClosedException(kernel.isClosed()
                    ? "kernel " + kernel.name() + " is closed"
                    : "process " + pid + " of kernel " + kernel.name() + " has exited");
        }
    }

    boolean hasExited() {
        return exited;
    }

    @Override
    public void close() {
        if (pid == 1 && !kernel.isClosed()) {
            throw new IllegalStateException("process 1 of kernel " + kernel.name() + " exits only with the kernel");
        }
        exit();
    }

    /** Closes every descriptor and drops the working directory. Idempotent. */
    void exit() {
        DirRef dir;
        synchronized (this) {
            if (exited) {
                return;
            }
            exited = true;
            dir = cwd;
            cwd = null;
        }
        for (KFile f : fds.closeAll()) {
            kernel.closeQuietly(f);
        }
        if (dir != null) {
            dir.release();
        }
        kernel.reap(this);
    }

    @Override
    public String toString() {
        return kernel.name() + " pid " + pid;
    }
}
