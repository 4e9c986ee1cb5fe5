package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bound endpoints of one datagram protocol (UDP ports, or ICMP echo identifiers for ping
 * sockets): binding with the EADDRINUSE / SO_REUSEADDR rules, ephemeral port choice, and
 * demultiplexing of arriving datagrams to the most specific socket.
 *
 * <p>Lock order: a socket's lock may be held when calling in here; this table never calls a
 * socket while holding its own lock.
 */
final class PortTable {
    /** The dynamic port range of RFC 6335 section 6, which NetBSD uses for anonymous ports. */
    static final int EPHEMERAL_LOW = 49152;
    static final int EPHEMERAL_HIGH = 65535;

    private final Map<Integer, List<DatagramSocket>> ports = new HashMap<>();

    /** Binds {@code s} to {@code addr}:{@code port} (port 0: an ephemeral one); returns the port. */
    synchronized int bind(DatagramSocket s, int addr, int port, StackClock clock) throws ErrnoException {
        boolean reuse = s.reuseAddress;
        if (port != 0) {
            if (!free(addr, port, reuse)) {
                throw new ErrnoException(Errno.EADDRINUSE, "port " + port);
            }
            add(s, port);
            return port;
        }
        int range = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
        int start = Math.floorMod(clock.random32(), range);
        for (int i = 0; i < range; i++) {
            int p = EPHEMERAL_LOW + (start + i) % range;
            if (!ports.containsKey(p)) {
                add(s, p);
                return p;
            }
        }
        throw new ErrnoException(Errno.EADDRINUSE, "no ephemeral port left");
    }

    private boolean free(int addr, int port, boolean reuse) {
        List<DatagramSocket> l = ports.get(port);
        if (l == null) {
            return true;
        }
        for (DatagramSocket x : l) {
            boolean overlap = x.localAddr == 0 || addr == 0 || x.localAddr == addr;
            if (overlap && !(reuse && x.reuseAddress)) {
                return false;
            }
        }
        return true;
    }

    private void add(DatagramSocket s, int port) {
        ports.computeIfAbsent(port, k -> new ArrayList<>(1)).add(s);
    }

    synchronized void unbind(DatagramSocket s, int port) {
        List<DatagramSocket> l = ports.get(port);
        if (l != null && l.remove(s) && l.isEmpty()) {
            ports.remove(port);
        }
    }

    /**
     * The socket for a datagram from {@code src}:{@code sport} to {@code dst}:{@code dport}:
     * a connected socket matching the sender beats one bound to the address, which beats a
     * wildcard; among equals the most recently bound wins.
     */
    synchronized DatagramSocket lookup(int src, int sport, int dst, int dport) {
        List<DatagramSocket> l = ports.get(dport);
        if (l == null) {
            return null;
        }
        DatagramSocket best = null;
        int bestScore = -1;
        for (DatagramSocket x : l) {
            int score = score(x, src, sport, dst);
            if (score >= bestScore && score >= 0) {
                best = x;
                bestScore = score;
            }
        }
        return best;
    }

    /** Every socket a broadcast to {@code dport} reaches. */
    synchronized List<DatagramSocket> lookupAll(int src, int sport, int dst, int dport) {
        List<DatagramSocket> l = ports.get(dport);
        List<DatagramSocket> out = new ArrayList<>();
        if (l != null) {
            for (DatagramSocket x : l) {
                if (x.localAddr == 0 || x.localAddr == dst) {
                    if (x.remoteAddr == 0 || (x.remoteAddr == src && x.remotePort == sport)) {
                        out.add(x);
                    }
                }
            }
        }
        return out;
    }

    private static int score(DatagramSocket x, int src, int sport, int dst) {
        int score = 0;
        if (x.localAddr != 0) {
            if (x.localAddr != dst) {
                return -1;
            }
            score += 1;
        }
        if (x.remoteAddr != 0) {
            if (x.remoteAddr != src || (x.remotePort != 0 && x.remotePort != sport)) {
                return -1;
            }
            score += 2;
        }
        return score;
    }

    synchronized int size() {
        int n = 0;
        for (List<DatagramSocket> l : ports.values()) {
            n += l.size();
        }
        return n;
    }
}
