package io.jrump.netinet;

import io.jrump.api.spi.Platform;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.Ipv4Packet;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * IPv4 reassembly (RFC 791 section 3.2, RFC 1122 3.3.2): fragments are collected per
 * (source, destination, protocol, identification) until every byte up to the last fragment's
 * end is present, then handed up as one datagram with a fresh 20-byte header.
 *
 * <p>Fragments are untrusted: a buffer is charged at its full size against a memory limit,
 * the number of datagrams in reassembly is capped, and the oldest datagram is thrown away when
 * either is exceeded. Each datagram has a timer; on expiry it is dropped and, if its first
 * fragment had arrived, an ICMP time exceeded (reassembly) goes back (RFC 792).
 */
final class Reassembly {
    /** Linux's ipfrag_time; RFC 791 suggests a 15 s lower bound. */
    static final long DEFAULT_TIMEOUT_NANOS = 30_000_000_000L;
    static final int DEFAULT_MEMORY = 1 << 20;
    static final int MAX_DATAGRAMS = 64;

    /** What reassembly needs from the IP layer. */
    interface Owner {
        /** A datagram timed out; {@code first} holds its first fragment's start (header + 8 bytes) or null. */
        void timedOut(ByteBuffer first);
    }

    private record Key(int src, int dst, int protocol, int ident) {
    }

    private static final class Pending {
        byte[] data = new byte[0];
        /** Received byte ranges as sorted, merged [start, end) pairs. */
        int[] ranges = new int[0];
        int total = -1;
        ByteBuffer first;
        Platform.Timer timer;
    }

    private final NetClock clock;
    private final StackCounters counters;
    private final Owner owner;
    private final long timeoutNanos;
    private final int memoryLimit;
    private final Map<Key, Pending> pending = new LinkedHashMap<>();
    private int memory;

    Reassembly(NetClock clock, StackCounters counters, Owner owner, long timeoutNanos, int memoryLimit) {
        this.clock = clock;
        this.counters = counters;
        this.owner = owner;
        this.timeoutNanos = timeoutNanos;
        this.memoryLimit = memoryLimit;
    }

    /**
     * Adds a checked fragment; returns the whole datagram (a new 20-byte header and the payload)
     * when it completes, else null.
     */
    ByteBuffer add(Ipv4Packet p) {
        int off = p.fragmentOffset();
        ByteBuffer payload = p.payload();
        int len = payload.remaining();
        boolean more = p.moreFragments();
        if (more && (len == 0 || len % Ipv4Packet.FRAGMENT_UNIT != 0)) {
            counters.inc("ip.drops.bad_fragment");
            return null;
        }
        int end = off + len;
        if (end > Ipv4Packet.MAX_LENGTH - Ipv4Packet.HEADER_LEN) {
            counters.inc("ip.drops.bad_fragment");
            return null;
        }
        Key key = new Key(p.src(), p.dst(), p.protocol(), p.ident());
        ByteBuffer done;
        synchronized (this) {
            Pending d = pending.get(key);
            if (d == null) {
                makeRoom();
                d = new Pending();
                pending.put(key, d);
                Pending ref = d;
                d.timer = clock.schedule(timeoutNanos, () -> expire(key, ref));
            }
            if (!more) {
                if ((d.total >= 0 && d.total != end) || lastRangeEnd(d) > end) {
                    discard(key, d, "ip.drops.bad_fragment");
                    return null;
                }
                d.total = end;
            } else if (d.total >= 0 && end > d.total) {
                discard(key, d, "ip.drops.bad_fragment");
                return null;
            }
            if (end > d.data.length) {
                int grow = end - d.data.length;
                memory += grow;
                d.data = Arrays.copyOf(d.data, end);
                while (memory > memoryLimit && pending.size() > 1) {
                    evictOldestExcept(d);
                }
                if (memory > memoryLimit) {
                    discard(key, d, "ip.drops.reassembly_memory");
                    return null;
                }
            }
            payload.get(payload.position(), d.data, off, len);
            if (off == 0 && d.first == null) {
                ByteBuffer whole = p.datagram();
                int n = Math.min(whole.remaining(), p.headerLength() + 8);
                d.first = ByteBuffer.allocate(n).put(0, whole, 0, n);
            }
            d.ranges = merge(d.ranges, off, end);
            counters.inc("ip.fragments_received");
            if (d.total < 0 || d.ranges.length != 2 || d.ranges[0] != 0 || d.ranges[1] != d.total) {
                return null;
            }
            pending.remove(key);
            memory -= d.data.length;
            d.timer.cancel();
            done = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + d.total);
            Ipv4Packet.emitHeader(done, 0, p.tos(), Ipv4Packet.HEADER_LEN + d.total, p.ident(), 0, 0, p.ttl(), p.protocol(), p.src(), p.dst());
            done.put(Ipv4Packet.HEADER_LEN, d.data, 0, d.total);
        }
        counters.inc("ip.reassembled");
        return done;
    }

    private static int lastRangeEnd(Pending d) {
        return d.ranges.length == 0 ? 0 : d.ranges[d.ranges.length - 1];
    }

    /** Inserts [s, e) into sorted disjoint ranges, merging neighbours that touch or overlap. */
    static int[] merge(int[] ranges, int s, int e) {
        int[] out = new int[ranges.length + 2];
        int n = 0;
        int i = 0;
        while (i < ranges.length && ranges[i + 1] < s) {
            out[n++] = ranges[i];
            out[n++] = ranges[i + 1];
            i += 2;
        }
        while (i < ranges.length && ranges[i] <= e) {
            s = Math.min(s, ranges[i]);
            e = Math.max(e, ranges[i + 1]);
            i += 2;
        }
        out[n++] = s;
        out[n++] = e;
        while (i < ranges.length) {
            out[n++] = ranges[i];
            out[n++] = ranges[i + 1];
            i += 2;
        }
        return Arrays.copyOf(out, n);
    }

    private void makeRoom() {
        if (pending.size() >= MAX_DATAGRAMS) {
            evictOldestExcept(null);
        }
    }

    private void evictOldestExcept(Pending keep) {
        Iterator<Map.Entry<Key, Pending>> it = pending.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Pending> e = it.next();
            if (e.getValue() != keep) {
                it.remove();
                release(e.getValue());
                counters.inc("ip.drops.reassembly_evicted");
                return;
            }
        }
    }

    private void discard(Key key, Pending d, String counter) {
        pending.remove(key);
        release(d);
        counters.inc(counter);
    }

    private void release(Pending d) {
        memory -= d.data.length;
        d.timer.cancel();
    }

    private void expire(Key key, Pending d) {
        ByteBuffer first;
        synchronized (this) {
            if (pending.get(key) != d) {
                return;
            }
            pending.remove(key);
            memory -= d.data.length;
            first = d.first;
        }
        counters.inc("ip.drops.reassembly_timeout");
        owner.timedOut(first);
    }

    synchronized int datagrams() {
        return pending.size();
    }

    synchronized int memory() {
        return memory;
    }

    synchronized void clear() {
        for (Pending d : pending.values()) {
            d.timer.cancel();
        }
        pending.clear();
        memory = 0;
    }
}
