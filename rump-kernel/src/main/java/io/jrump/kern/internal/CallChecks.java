package io.jrump.kern.internal;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.KFile;
import io.jrump.kern.PathCalls;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The argument checks that do not depend on a file system or a protocol, shared by the groups
 * of system calls ({@link DescriptorSyscalls}, {@link NameSyscalls}, {@link SocketSyscalls}):
 * a live process, a descriptor that is open, a buffer that may be used, a path and a component
 * to hand it to, an address that is resolved.
 */
final class CallChecks {
    private CallChecks() {
    }

    /** The file behind {@code fd} of a live process. */
    static KFile file(Proc proc, int fd) throws ErrnoException {
        proc.checkAlive();
        return proc.fds().get(fd);
    }

    /** The VFS that {@code path} goes to, for a live process; ENOSYS on a kernel without one. */
    static PathCalls vfs(Proc proc, String call, String path) throws ErrnoException {
        proc.checkAlive();
        if (path == null) {
            throw new ErrnoException(Errno.EFAULT, call, null, "path is null");
        }
        Kernel kernel = proc.kernel();
        PathCalls v = kernel.vfs();
        if (v == null) {
            throw new ErrnoException(Errno.ENOSYS, call, path, "kernel " + kernel.name() + " was booted without a file system component");
        }
        return v;
    }

    /** A buffer to take data from, or ({@code writeInto}) to fill. */
    static void buffer(ByteBuffer b, boolean writeInto) throws ErrnoException {
        if (b == null) {
            throw new ErrnoException(Errno.EFAULT, "buffer is null");
        }
        if (writeInto && b.isReadOnly()) {
            throw new ErrnoException(Errno.EFAULT, "buffer is read-only");
        }
    }

    static void address(InetSocketAddress a) throws ErrnoException {
        if (a == null) {
            throw new ErrnoException(Errno.EFAULT, "address is null");
        }
        if (a.isUnresolved()) {
            throw new ErrnoException(Errno.EINVAL, "address " + a.getHostString() + " is not resolved");
        }
    }
}
