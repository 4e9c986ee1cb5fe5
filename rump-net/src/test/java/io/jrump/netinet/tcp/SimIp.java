package io.jrump.netinet.tcp;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.netinet.Counters;
import io.jrump.netinet.IpLayer;
import io.jrump.net.link.NetClock;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BinaryOperator;

/** A fake IPv4 layer for one host on a {@link SimNet}: one address, one MTU, counters in a map. */
final class SimIp implements IpLayer, Counters {
    final SimNet net;
    final int addr;
    int mtu = 1500;
    TcpTransport transport;
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();

    SimIp(SimNet net, int addr) {
        this.net = net;
        this.addr = addr;
    }

    /** Makes this host's TCP with {@code options} ("tcp.msl=100", ...). */
    TcpTransport tcp(String... options) {
        Map<String, String> map = new java.util.HashMap<>();
        for (String o : options) {
            int eq = o.indexOf('=');
            map.put(o.substring(0, eq), o.substring(eq + 1));
        }
        BinaryOperator<String> opt = (k, d) -> map.getOrDefault(k, d);
        transport = (TcpTransport) new TcpTransportFactory().create(this, opt);
        return transport;
    }

    @Override
    public void output(int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException {
        if (payload.remaining() > mtu - 20) {
            throw new ErrnoException(Errno.EMSGSIZE, payload.remaining() + " > mtu");
        }
        counter("ip.out").inc();
        net.deliver(src == 0 ? addr : src, dst, payload);
    }

    @Override
    public int sourceFor(int dst) {
        return addr;
    }

    @Override
    public int mtuFor(int dst) {
        return mtu;
    }

    @Override
    public boolean isLocal(int address) {
        return address == addr || address == 0;
    }

    @Override
    public NetClock clock() {
        return net;
    }

    @Override
    public Counters counters() {
        return this;
    }

    @Override
    public Counter counter(String name) {
        AtomicLong a = counters.computeIfAbsent(name, k -> new AtomicLong());
        return new Counter() {
            @Override
            public void add(long n) {
                a.addAndGet(n);
            }

            @Override
            public long get() {
                return a.get();
            }
        };
    }

    long count(String name) {
        AtomicLong a = counters.get(name);
        return a == null ? 0 : a.get();
    }
}
