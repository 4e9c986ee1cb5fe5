package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.kern.Cred;
import io.jrump.kern.SocketFile;
import io.jrump.kern.WaitSet;
import io.jrump.net.wire.Ipv4Address;
import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * What every AF_INET socket of a stack shares, whatever its protocol: the owner, inode number
 * and creation time that {@code fstat} shows, the waiters that {@code poll} parks on, and the
 * conversion between the socket calls' {@link InetSocketAddress} and the stack's 32-bit
 * addresses. Datagram sockets ({@link DatagramSocket}) and TCP's stream sockets build on it.
 */
public abstract class InetSocket extends SocketFile {
    private final Cred owner;
    private final long ino;
    private final Instant created;
    private final WaitSet waiters;

    protected InetSocket(int statusFlags, Cred owner, long ino, Instant created, WaitSet waiters) {
        super(statusFlags);
        this.owner = owner;
        this.ino = ino;
        this.created = created;
        this.waiters = waiters;
    }

    protected final Cred owner() {
        return owner;
    }

    @Override
    protected final WaitSet waitSet() {
        return waiters;
    }

    @Override
    public final Stat fstat() {
        return socketStat(ino, owner, created);
    }

    /** The 32-bit address of {@code a}; EAFNOSUPPORT for anything but IPv4 (or an unresolved name). */
    protected static int address4(InetSocketAddress a) throws ErrnoException {
        try {
            return Ipv4Address.of(a.getAddress());
        } catch (IllegalArgumentException e) {
            throw new ErrnoException(Errno.EAFNOSUPPORT, "not an IPv4 address: " + a);
        }
    }

    /** {@code addr}:{@code port} as the socket calls return it. */
    protected static InetSocketAddress socketAddress(int addr, int port) {
        return new InetSocketAddress(Ipv4Address.toInetAddress(addr), port);
    }
}
