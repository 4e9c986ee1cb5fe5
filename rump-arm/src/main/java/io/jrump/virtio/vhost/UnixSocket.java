package io.jrump.virtio.vhost;

import io.jrump.platform.host.linux.Libc;
import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.charset.StandardCharsets;

/**
 * A connected {@code AF_UNIX} stream socket that can pass file descriptors (SCM_RIGHTS), which
 * the JDK's Unix-domain {@code SocketChannel} cannot. Reads wait with {@code poll} and a
 * timeout, so a backend that stops answering costs a timeout, not a hung thread.
 */
final class UnixSocket implements AutoCloseable {
    final int fd;
    final String path;
    private volatile boolean closed;

    private UnixSocket(int fd, String path) {
        this.fd = fd;
        this.path = path;
    }

    static UnixSocket connect(String path) throws ErrnoException {
        Libc.ensureAvailable("vhost-user " + path);
        byte[] p = path.getBytes(StandardCharsets.UTF_8);
        if (p.length >= Libc.SUN_PATH_MAX) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "connect", path, "a Unix socket path has at most 107 bytes");
        }
        int fd;
        try {
            fd = Libc.socket(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
        } catch (LastErrorException e) {
            throw Libc.errno(e, "socket", path);
        }
        Memory addr = new Memory(2 + Libc.SUN_PATH_MAX);
        addr.clear();
        addr.setShort(0, (short) Libc.AF_UNIX);
        addr.write(2, p, 0, p.length);
        try {
            Libc.connect(fd, Pointer.nativeValue(addr), 2 + p.length + 1);
        } catch (LastErrorException e) {
            closeQuietly(fd);
            throw Libc.errno(e, "connect", path);
        }
        return new UnixSocket(fd, path);
    }

    /** Sends {@code data} whole, with {@code fds} attached to its first byte. */
    void send(byte[] data, int... fds) throws ErrnoException {
        Memory buf = new Memory(data.length);
        buf.write(0, data, 0, data.length);
        Memory iov = new Memory(16);
        Memory msg = new Memory(Libc.MSGHDR_SIZE);
        Memory control = null;
        long sent = 0;
        while (sent < data.length) {
            msg.clear();
            iov.setLong(0, Pointer.nativeValue(buf) + sent);
            iov.setLong(8, data.length - sent);
            msg.setLong(16, Pointer.nativeValue(iov));
            msg.setLong(24, 1);
            if (sent == 0 && fds.length > 0) {
                int dataLen = 4 * fds.length;
                int space = Libc.CMSGHDR_SIZE + ((dataLen + 7) & ~7);
                control = new Memory(space);
                control.clear();
                control.setLong(0, Libc.CMSGHDR_SIZE + dataLen);
                control.setInt(8, Libc.SOL_SOCKET);
                control.setInt(12, Libc.SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.setInt(Libc.CMSGHDR_SIZE + 4L * i, fds[i]);
                }
                msg.setLong(32, Pointer.nativeValue(control));
                msg.setLong(40, space);
            }
            try {
                sent += Libc.sendmsg(fd, Pointer.nativeValue(msg), Libc.MSG_NOSIGNAL);
            } catch (LastErrorException e) {
                throw Libc.errno(e, "sendmsg", path);
            }
        }
    }

    /**
     * Reads exactly {@code n} bytes, waiting at most {@code timeoutMillis} for each part.
     *
     * @throws ErrnoException ETIMEDOUT when the peer is silent, ECONNRESET when it closed
     */
    byte[] receive(int n, int timeoutMillis) throws ErrnoException {
        Memory buf = new Memory(Math.max(1, n));
        Memory pfd = new Memory(Libc.POLLFD_SIZE);
        long got = 0;
        while (got < n) {
            pfd.setInt(0, fd);
            pfd.setShort(4, Libc.POLLIN);
            pfd.setShort(6, (short) 0);
            try {
                if (Libc.poll(Pointer.nativeValue(pfd), 1, timeoutMillis) == 0) {
                    throw new ErrnoException(Errno.ETIMEDOUT, "recv", path, "the backend did not answer within " + timeoutMillis + " ms");
                }
                long r = Libc.read(fd, Pointer.nativeValue(buf) + got, n - got);
                if (r == 0) {
                    throw new ErrnoException(Errno.ECONNRESET, "recv", path, "the backend closed the connection");
                }
                got += r;
            } catch (LastErrorException e) {
                if (e.getErrorCode() == 4) { // EINTR
                    continue;
                }
                throw Libc.errno(e, "recv", path);
            }
        }
        return buf.getByteArray(0, n);
    }

    private static void closeQuietly(int fd) {
        try {
            Libc.close(fd);
        } catch (LastErrorException ignored) {
            // closed is closed
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeQuietly(fd);
        }
    }
}
