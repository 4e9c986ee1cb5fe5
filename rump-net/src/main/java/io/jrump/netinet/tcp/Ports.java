package io.jrump.netinet.tcp;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The local port claims of one stack: explicit binds (EADDRINUSE on conflict), ephemeral
 * ports for connect and for binds to port 0 (Linux's default range, starting at a random
 * point so ports are not predictable, RFC 6056), and release when the owner goes away.
 */
final class Ports {
    /** Linux's net.ipv4.ip_local_port_range default. */
    static final int EPHEMERAL_LOW = 32768;
    static final int EPHEMERAL_HIGH = 60999;

    private final Map<Integer, List<Binding>> byPort = new HashMap<>();
    private final TcpSecrets random;

    Ports(TcpSecrets random) {
        this.random = random;
    }

    /** Claims {@code addr:port}; port 0 picks a free ephemeral port. */
    synchronized Binding bind(int addr, int port, boolean reuseAddr) throws ErrnoException {
        Binding b;
        if (port == 0) {
            int span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
            int start = Math.floorMod(random.random(), span);
            for (int i = 0; i < span; i++) {
                int p = EPHEMERAL_LOW + (start + i) % span;
                if (!byPort.containsKey(p)) {
                    b = new Binding(addr, p, reuseAddr);
                    byPort.computeIfAbsent(p, k -> new ArrayList<>(1)).add(b);
                    return b;
                }
            }
            throw new ErrnoException(Errno.EADDRNOTAVAIL, "no free ephemeral port");
        }
        b = new Binding(addr, port, reuseAddr);
        List<Binding> list = byPort.get(port);
        if (list != null) {
            for (Binding other : list) {
                if (other.conflictsWith(b)) {
                    throw new ErrnoException(Errno.EADDRINUSE, "port " + port);
                }
            }
        }
        byPort.computeIfAbsent(port, k -> new ArrayList<>(1)).add(b);
        return b;
    }

    /** A claim that needs no check: an accepted connection shares its listener's port. */
    synchronized Binding share(int addr, int port, TcpConnection conn) {
        Binding b = new Binding(addr, port, true);
        b.conn = conn;
        byPort.computeIfAbsent(port, k -> new ArrayList<>(1)).add(b);
        return b;
    }

    /** Marks a claim as listening; EADDRINUSE when another listener has the same address and port. */
    synchronized void listen(Binding b) throws ErrnoException {
        for (Binding other : byPort.getOrDefault(b.port, List.of())) {
            if (other != b && other.listening && (other.addr == 0 || b.addr == 0 || other.addr == b.addr)) {
                throw new ErrnoException(Errno.EADDRINUSE, "port " + b.port + " has a listener");
            }
        }
        b.listening = true;
    }

    synchronized void release(Binding b) {
        List<Binding> list = byPort.get(b.port);
        if (list != null && list.remove(b) && list.isEmpty()) {
            byPort.remove(b.port);
        }
    }

    synchronized int size() {
        int n = 0;
        for (List<Binding> l : byPort.values()) {
            n += l.size();
        }
        return n;
    }
}
