package io.jrump.netinet;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a stack's datagram sockets (UDP, ping) need from it: the clock, the source address for
 * a destination, which addresses are this kernel's or broadcasts, inode numbers, and a register
 * of the open sockets so that closing the stack aborts them all.
 */
final class Sockets {
    private final StackClock clock;
    private final IpLayer ip;
    private final Interfaces interfaces;
    private final AtomicLong inodes = new AtomicLong();
    private final Set<DatagramSocket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    Sockets(StackClock clock, IpLayer ip, Interfaces interfaces) {
        this.clock = clock;
        this.ip = ip;
        this.interfaces = interfaces;
    }

    StackClock clock() {
        return clock;
    }

    IpLayer ip() {
        return ip;
    }

    boolean isLocal(int a) {
        return interfaces.isLocal(a);
    }

    boolean isBroadcast(int a) {
        return interfaces.isBroadcast(a);
    }

    long nextInode() {
        return inodes.incrementAndGet();
    }

    /** Registers a new socket; one made while the stack closes is aborted at once. */
    <S extends DatagramSocket> S track(S s) {
        open.add(s);
        if (closed) {
            s.abort();
        }
        return s;
    }

    void forget(DatagramSocket s) {
        open.remove(s);
    }

    /** The stack is closing. */
    void abortAll() {
        closed = true;
        for (DatagramSocket s : open) {
            s.abort();
        }
    }
}
