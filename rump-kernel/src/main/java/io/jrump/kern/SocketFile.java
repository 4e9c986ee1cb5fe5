package io.jrump.kern;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * A socket behind a descriptor (NetBSD's {@code struct socket} as seen through
 * {@code struct file}). The system call layer resolves the descriptor, answers ENOTSOCK for
 * anything else, checks the arguments that need no protocol, and calls these methods; the
 * network component implements them per protocol. {@code read}/{@code write} on a socket
 * are {@code recv}/{@code send} without flags.
 *
 * <p>Blocking methods honour {@link #isNonBlocking()} ({@code EAGAIN}, {@code EINPROGRESS})
 * and {@code MSG_DONTWAIT}, and wake {@code poll} through the file's waiters.
 */
public abstract class SocketFile extends KFile {

    protected SocketFile(int statusFlags) {
        super(statusFlags);
    }

    public abstract void bind(InetSocketAddress address) throws ErrnoException;

    public abstract void listen(int backlog) throws ErrnoException;

    /** The accepted connection, a new file not yet installed in a descriptor table. */
    public abstract SocketFile accept() throws ErrnoException;

    public abstract void connect(InetSocketAddress address) throws ErrnoException;

    /** {@code to} is null for {@code send}. */
    public abstract int sendto(ByteBuffer src, int flags, InetSocketAddress to) throws ErrnoException;

    /** Returns the sender for datagram sockets, null for streams. */
    public abstract InetSocketAddress recvfrom(ByteBuffer dst, int flags) throws ErrnoException;

    public abstract void shutdown(int how) throws ErrnoException;

    public abstract InetSocketAddress getsockname() throws ErrnoException;

    public abstract InetSocketAddress getpeername() throws ErrnoException;

    public abstract void setsockopt(int level, int option, int value) throws ErrnoException;

    public abstract int getsockopt(int level, int option) throws ErrnoException;

    @Override
    public int read(ByteBuffer dst) throws ErrnoException {
        int before = dst.position();
        recvfrom(dst, 0);
        return dst.position() - before;
    }

    @Override
    public int write(ByteBuffer src) throws ErrnoException {
        return sendto(src, 0, null);
    }

    /** A socket as {@code fstat} shows it; {@code ino} and times come from the implementation. */
    protected static Stat socketStat(long ino, Cred owner, Instant created) {
        return new Stat(0, ino, FileMode.S_IFSOCK | 0777, 1, owner.euid(), owner.egid(), 0, 0, 4096, 0, created, created, created);
    }

    /** For protocols without a listening side, and similar. */
    protected static ErrnoException notSupported() {
        return new ErrnoException(Errno.EOPNOTSUPP);
    }
}
