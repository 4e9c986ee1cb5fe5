package io.jrump.kern.internal;

import static io.jrump.kern.internal.CallNames.callFd;
import static io.jrump.kern.internal.CallNames.callFdInt;
import static io.jrump.kern.internal.CallNames.callInt;
import static io.jrump.kern.internal.CallNames.data;
import static io.jrump.kern.internal.CallNames.runFd;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.SocketConstants;
import io.jrump.kern.KFile;
import io.jrump.kern.SocketCalls;
import io.jrump.kern.SocketFile;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * The socket system calls of a process (NetBSD's {@code uipc_syscalls.c}): they check the
 * descriptor is a socket and the address and buffer are usable, and hand the call to the
 * network stack's {@link SocketFile}. Part of {@link SyscallLayer}; a kernel without a network
 * component answers {@code socket} with EAFNOSUPPORT.
 */
final class SocketSyscalls {
    private final Kernel kernel;
    private final Proc proc;

    SocketSyscalls(Kernel kernel, Proc proc) {
        this.kernel = kernel;
        this.proc = proc;
    }

    private SocketFile socketFile(int fd) throws ErrnoException {
        KFile f = CallChecks.file(proc, fd);
        if (f instanceof SocketFile s) {
            return s;
        }
        throw new ErrnoException(Errno.ENOTSOCK);
    }

    int socket(int domain, int type, int protocol) throws ErrnoException {
        return callInt("socket", null, () -> {
            proc.checkAlive();
            SocketCalls s = kernel.sockets();
            if (s == null) {
                throw new ErrnoException(Errno.EAFNOSUPPORT, "kernel " + kernel.name() + " was booted without a network component");
            }
            int extra = type & (SocketConstants.SOCK_NONBLOCK | SocketConstants.SOCK_CLOEXEC);
            int flags = OpenFlags.O_RDWR | ((extra & SocketConstants.SOCK_NONBLOCK) != 0 ? OpenFlags.O_NONBLOCK : 0);
            SocketFile f = s.socket(proc, domain, type & ~extra, protocol, flags);
            return proc.installNew(f, (extra & SocketConstants.SOCK_CLOEXEC) != 0);
        });
    }

    void bind(int fd, InetSocketAddress address) throws ErrnoException {
        runFd("bind", fd, () -> {
            SocketFile s = socketFile(fd);
            CallChecks.address(address);
            s.bind(address);
        });
    }

    void listen(int fd, int backlog) throws ErrnoException {
        runFd("listen", fd, () -> socketFile(fd).listen(backlog));
    }

    int accept(int fd) throws ErrnoException {
        return callFdInt("accept", fd, () -> {
            return proc.installNew(socketFile(fd).accept(), false);
        });
    }

    void connect(int fd, InetSocketAddress address) throws ErrnoException {
        runFd("connect", fd, () -> {
            SocketFile s = socketFile(fd);
            CallChecks.address(address);
            s.connect(address);
        });
    }

    int send(int fd, ByteBuffer src, int flags) throws ErrnoException {
        return (int) data("send", this, fd, src, 0, flags, SocketSyscalls::sendBody);
    }

    private long sendBody(int fd, ByteBuffer src, long unused, int flags) throws ErrnoException {
        SocketFile s = socketFile(fd);
        CallChecks.buffer(src, false);
        return s.sendto(src, flags, null);
    }

    int recv(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        return (int) data("recv", this, fd, dst, 0, flags, SocketSyscalls::recvBody);
    }

    private long recvBody(int fd, ByteBuffer dst, long unused, int flags) throws ErrnoException {
        SocketFile s = socketFile(fd);
        CallChecks.buffer(dst, true);
        int before = dst.position();
        s.recvfrom(dst, flags);
        return dst.position() - before;
    }

    int sendto(int fd, ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException {
        return callFdInt("sendto", fd, () -> {
            SocketFile s = socketFile(fd);
            CallChecks.buffer(src, false);
            if (to != null) {
                CallChecks.address(to);
            }
            return s.sendto(src, flags, to);
        });
    }

    InetSocketAddress recvfrom(int fd, ByteBuffer dst, int flags) throws ErrnoException {
        return callFd("recvfrom", fd, () -> {
            SocketFile s = socketFile(fd);
            CallChecks.buffer(dst, true);
            return s.recvfrom(dst, flags);
        });
    }

    void shutdown(int fd, int how) throws ErrnoException {
        runFd("shutdown", fd, () -> {
            SocketFile s = socketFile(fd);
            if (how != SocketConstants.SHUT_RD && how != SocketConstants.SHUT_WR && how != SocketConstants.SHUT_RDWR) {
                throw new ErrnoException(Errno.EINVAL, "bad how " + how);
            }
            s.shutdown(how);
        });
    }

    InetSocketAddress getsockname(int fd) throws ErrnoException {
        return callFd("getsockname", fd, () -> socketFile(fd).getsockname());
    }

    InetSocketAddress getpeername(int fd) throws ErrnoException {
        return callFd("getpeername", fd, () -> socketFile(fd).getpeername());
    }

    void setsockopt(int fd, int level, int option, int value) throws ErrnoException {
        runFd("setsockopt", fd, () -> socketFile(fd).setsockopt(level, option, value));
    }

    int getsockopt(int fd, int level, int option) throws ErrnoException {
        return callFdInt("getsockopt", fd, () -> socketFile(fd).getsockopt(level, option));
    }
}
