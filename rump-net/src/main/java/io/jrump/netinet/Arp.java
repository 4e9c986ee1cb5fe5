package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.spi.Platform;
import io.jrump.net.NetIf;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.ArpPacket;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.net.wire.WireException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ARP for one Ethernet interface (RFC 826, with the rules of RFC 1122 section 2.3.2): a cache
 * of IPv4-to-MAC mappings that expire, a bounded queue of datagrams waiting for an answer,
 * requests retried once a second and given up after a few tries, replies to requests for our
 * addresses, and gratuitous ARP when an address is added.
 *
 * <p>RFC 826's merge rule keeps the table bounded by what we talk to: a sender is learned only
 * if it is already in the table or the packet is for one of our addresses. The table is capped
 * anyway, and a full one evicts its oldest entry, so garbage cannot grow it.
 *
 * <p>The object's lock guards the table; frames are sent after it is released.
 */
final class Arp {
    /** How long a learned mapping lives: NetBSD's arpt_keep, 20 minutes. */
    static final long DEFAULT_EXPIRE_NANOS = 20 * 60 * 1_000_000_000L;
    /** RFC 1122 2.3.2.1: at most one request per second per destination. */
    static final long REQUEST_INTERVAL_NANOS = 1_000_000_000L;
    /** Requests sent before an unanswered destination is given up (its datagrams dropped). */
    static final int MAX_REQUESTS = 3;
    static final int MAX_ENTRIES = 512;
    /** Datagrams held per destination and per interface while waiting for replies. */
    static final int MAX_HELD_PER_ENTRY = 16;
    static final int MAX_HELD = 64;

    /** Makes the ARP of an interface; the stack supplies clock, counters and the IPv4 hook. */
    interface Factory {
        Arp create(InetIf inetIf);
    }

    private final InetIf owner;
    private final NetIf ifp;
    private final NetClock clock;
    private final StackCounters counters;
    private final long expireNanos;
    private final Map<Integer, Entry> table = new LinkedHashMap<>();
    /**
     * The last complete mapping a datagram went out by, read without the lock: a stream sends
     * to one neighbour, so most datagrams need neither the lock nor a boxed key. Made under the
     * lock from a table entry and dropped whenever the table changes.
     */
    private volatile Resolved lastResolved;

    /** A complete mapping as it was when taken from the table. */
    private record Resolved(int ip, long mac, long expires) {
    }
    private int held;

    private static final class Entry {
        long mac = -1;
        long expires;
        int requests;
        Platform.Timer retry;
        ArrayDeque<Waiting> queue;

        boolean complete() {
            return mac >= 0;
        }
    }

    Arp(InetIf owner, NetClock clock, StackCounters counters, long expireNanos) {
        this.owner = owner;
        this.ifp = owner.ifp;
        this.clock = clock;
        this.counters = counters;
        this.expireNanos = expireNanos;
    }

    /** Sends an IPv4 datagram to {@code nextHop} on this link, resolving its MAC first if needed. */
    void output(int nextHop, ByteBuffer datagram) throws ErrnoException {
        output(nextHop, datagram, false);
    }

    /** {@code inPlace}: the Ethernet header may go in the bytes before the datagram (see {@link NetIf#output(long, int, ByteBuffer, boolean)}). */
    void output(int nextHop, ByteBuffer datagram, boolean inPlace) throws ErrnoException {
        output(nextHop, datagram, inPlace, 0);
    }

    /** A datagram waiting for an answer, with the segment size the interface cuts it to (see {@link NetIf#output(long, int, ByteBuffer, boolean, int)}). */
    private record Waiting(ByteBuffer datagram, int segmentSize) {
    }

    /** {@code segmentSize}: a TCP datagram over the MTU is cut into segments of that payload by the interface. */
    void output(int nextHop, ByteBuffer datagram, boolean inPlace, int segmentSize) throws ErrnoException {
        Resolved last = lastResolved;
        if (last != null && last.ip == nextHop && clock.nanos() - last.expires < 0) {
            ifp.output(last.mac, EthernetFrame.ETHERTYPE_IPV4, datagram, inPlace, segmentSize);
            return;
        }
        long mac;
        boolean request = false;
        synchronized (this) {
            long now = clock.nanos();
            Entry e = table.get(nextHop);
            if (e != null && e.complete() && now - e.expires >= 0) {
                counters.inc("arp.expired");
                table.remove(nextHop);
                lastResolved = null;
                e = null;
            }
            if (e != null && e.complete()) {
                mac = e.mac;
                lastResolved = new Resolved(nextHop, e.mac, e.expires);
            } else {
                mac = -1;
                if (e == null) {
                    e = newEntry(nextHop);
                    request = true;
                    e.requests = 1;
                    Entry ref = e;
                    e.retry = clock.schedule(REQUEST_INTERVAL_NANOS, () -> retry(nextHop, ref));
                }
                hold(e, datagram, segmentSize);
            }
        }
        if (mac >= 0) {
            ifp.output(mac, EthernetFrame.ETHERTYPE_IPV4, datagram, inPlace, segmentSize);
        } else if (request) {
            sendRequest(nextHop);
        }
    }

    private Entry newEntry(int ip) {
        if (table.size() >= MAX_ENTRIES) {
            Iterator<Entry> it = table.values().iterator();
            Entry old = it.next();
            it.remove();
            lastResolved = null;
            forget(old);
            counters.inc("arp.evicted");
        }
        Entry e = new Entry();
        table.put(ip, e);
        return e;
    }

    private void forget(Entry e) {
        if (e.retry != null) {
            e.retry.cancel();
        }
        if (e.queue != null) {
            held -= e.queue.size();
            counters.counter("arp.drops.unresolved").add(e.queue.size());
            e.queue = null;
        }
    }

    private void hold(Entry e, ByteBuffer datagram, int segmentSize) {
        if (e.queue == null) {
            e.queue = new ArrayDeque<>();
        }
        if (held >= MAX_HELD || e.queue.size() >= MAX_HELD_PER_ENTRY) {
            counters.inc("arp.drops.hold_queue_full");
            if (e.queue.isEmpty()) {
                return;
            }
            e.queue.poll();
            held--;
        }
        ByteBuffer copy = ByteBuffer.allocate(datagram.remaining());
        copy.put(0, datagram, datagram.position(), datagram.remaining());
        e.queue.add(new Waiting(copy, segmentSize));
        held++;
    }

    /** The retry timer of an incomplete entry: ask again, or give up and drop what waits. */
    private void retry(int ip, Entry e) {
        boolean again;
        synchronized (this) {
            if (table.get(ip) != e || e.complete()) {
                return;
            }
            again = e.requests < MAX_REQUESTS;
            if (again) {
                e.requests++;
                e.retry = clock.schedule(REQUEST_INTERVAL_NANOS, () -> retry(ip, e));
            } else {
                table.remove(ip);
                e.retry = null;
                forget(e);
                counters.inc("arp.resolution_failed");
            }
        }
        if (again) {
            sendRequest(ip);
        }
    }

    private void sendRequest(int target) {
        int src = owner.sourceFor(target);
        if (src == 0) {
            counters.inc("arp.drops.no_source_address");
            return;
        }
        send(ArpPacket.OP_REQUEST, EthernetFrame.BROADCAST, src, 0, target);
        counters.inc("arp.requests_sent");
    }

    /** Announces {@code address} (a request for our own address, RFC 5227 section 3) so neighbours update their caches. */
    void gratuitous(int address) {
        send(ArpPacket.OP_REQUEST, EthernetFrame.BROADCAST, address, 0, address);
        counters.inc("arp.gratuitous_sent");
    }

    private void send(int op, long dstMac, int senderIp, long targetMac, int targetIp) {
        ByteBuffer b = ByteBuffer.allocate(ArpPacket.LENGTH);
        ArpPacket.emit(b, 0, op, ifp.mac(), senderIp, targetMac, targetIp);
        try {
            ifp.output(dstMac, EthernetFrame.ETHERTYPE_ARP, b);
        } catch (ErrnoException e) {
            counters.inc("arp.drops.output_failed");
        }
    }

    /** An ARP packet arrived on this interface (RFC 826 "packet reception"). */
    void input(ByteBuffer payload) {
        ArpPacket p = new ArpPacket(payload);
        try {
            p.check();
        } catch (WireException e) {
            counters.inc("arp.drops." + e.reason());
            return;
        }
        long sha = p.senderMac();
        int spa = p.senderIp();
        int tpa = p.targetIp();
        if (EthernetFrame.isMulticast(sha) || sha == 0 || Ipv4Address.isMulticast(spa) || spa == Ipv4Address.BROADCAST) {
            counters.inc("arp.drops.bad_sender");
            return;
        }
        if (sha == ifp.mac()) {
            counters.inc("arp.drops.own_frame");
            return;
        }
        if (owner.hasAddress(spa)) {
            counters.inc("arp.address_conflicts");
            return;
        }
        boolean forUs = owner.hasAddress(tpa);
        List<Waiting> release = merge(spa, sha, forUs && spa != 0);
        counters.inc(p.operation() == ArpPacket.OP_REQUEST ? "arp.requests_received" : "arp.replies_received");
        if (forUs && p.operation() == ArpPacket.OP_REQUEST) {
            send(ArpPacket.OP_REPLY, sha, tpa, sha, spa);
            counters.inc("arp.replies_sent");
        }
        release(sha, release);
    }

    /**
     * Learns that {@code ip} is at {@code mac} on this link, as if it had answered a request
     * (an entry made or replaced, expiring as learned ones do, and what waited for it sent):
     * {@code ip neigh replace}. EINVAL for a multicast or broadcast address or MAC, or one of ours.
     */
    void learn(int ip, long mac) throws ErrnoException {
        if (EthernetFrame.isMulticast(mac) || mac == 0 || ip == 0 || Ipv4Address.isMulticast(ip) || ip == Ipv4Address.BROADCAST) {
            throw new ErrnoException(Errno.EINVAL, Ipv4Address.format(ip) + " at a multicast or broadcast address");
        }
        if (owner.hasAddress(ip)) {
            throw new ErrnoException(Errno.EINVAL, Ipv4Address.format(ip) + " is this interface's own address");
        }
        if (mac == ifp.mac()) {
            throw new ErrnoException(Errno.EINVAL, EthernetFrame.formatMac(mac) + " is this interface's own MAC");
        }
        release(mac, merge(ip, mac, true));
    }

    /** RFC 826's merge: updates the entry of {@code ip} (made first when {@code create}); returns what waited for it, or null. */
    private List<Waiting> merge(int ip, long mac, boolean create) {
        synchronized (this) {
            Entry e = ip == 0 ? null : table.get(ip);
            if (e == null && create) {
                e = newEntry(ip);
            }
            if (e == null) {
                return null;
            }
            lastResolved = null;
            e.mac = mac;
            e.expires = clock.nanos() + expireNanos;
            if (e.retry != null) {
                e.retry.cancel();
                e.retry = null;
            }
            List<Waiting> release = null;
            if (e.queue != null) {
                release = new ArrayList<>(e.queue);
                held -= e.queue.size();
                e.queue = null;
            }
            return release;
        }
    }

    private void release(long mac, List<Waiting> waiting) {
        if (waiting != null) {
            for (Waiting w : waiting) {
                try {
                    ifp.output(mac, EthernetFrame.ETHERTYPE_IPV4, w.datagram(), false, w.segmentSize());
                } catch (ErrnoException ex) {
                    counters.inc("arp.drops.output_failed");
                }
            }
        }
    }

    /** Entries now in the table (complete or waiting). */
    synchronized int size() {
        return table.size();
    }

    synchronized int heldDatagrams() {
        return held;
    }

    /** Forgets everything: the interface went away. */
    synchronized void clear() {
        lastResolved = null;
        for (Entry e : table.values()) {
            forget(e);
        }
        table.clear();
    }
}
