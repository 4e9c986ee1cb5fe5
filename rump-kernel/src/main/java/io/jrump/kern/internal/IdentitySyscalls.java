package io.jrump.kern.internal;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.Cred;

/**
 * The system calls of a process about itself (NetBSD's {@code kern_prot.c}): its ids, its
 * credentials and its umask. They read or swap a field of the {@link Proc}; part of
 * {@link SyscallLayer}.
 */
final class IdentitySyscalls {
    private final Proc proc;

    IdentitySyscalls(Proc proc) {
        this.proc = proc;
    }

    int umask(int mask) {
        proc.checkAlive();
        return proc.umask(mask);
    }

    int getpid() {
        proc.checkAlive();
        return proc.pid();
    }

    int getppid() {
        proc.checkAlive();
        return proc.ppid();
    }

    int getuid() {
        proc.checkAlive();
        return proc.cred().ruid();
    }

    int geteuid() {
        proc.checkAlive();
        return proc.cred().euid();
    }

    int getgid() {
        proc.checkAlive();
        return proc.cred().rgid();
    }

    int getegid() {
        proc.checkAlive();
        return proc.cred().egid();
    }

    /** Root sets real and effective uid; anyone else may only set the effective uid back to the real one. */
    void setuid(int uid) throws ErrnoException {
        proc.checkAlive();
        synchronized (proc) {
            Cred c = proc.cred();
            if (uid < 0) {
                throw new ErrnoException(Errno.EINVAL, "setuid", null, "negative uid " + uid);
            }
            if (c.isSuperuser()) {
                proc.cred(c.withUid(uid));
            } else if (uid == c.ruid()) {
                proc.cred(c.withEuid(uid));
            } else {
                throw new ErrnoException(Errno.EPERM, "setuid", null, "uid " + c.euid() + " may not become " + uid);
            }
        }
    }

    void setgid(int gid) throws ErrnoException {
        proc.checkAlive();
        synchronized (proc) {
            Cred c = proc.cred();
            if (gid < 0) {
                throw new ErrnoException(Errno.EINVAL, "setgid", null, "negative gid " + gid);
            }
            if (c.isSuperuser()) {
                proc.cred(c.withGid(gid));
            } else if (gid == c.rgid()) {
                proc.cred(c.withEgid(gid));
            } else {
                throw new ErrnoException(Errno.EPERM, "setgid", null, "uid " + c.euid() + " may not join group " + gid);
            }
        }
    }
}
