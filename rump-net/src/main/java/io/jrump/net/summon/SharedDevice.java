package io.jrump.net.summon;

import io.jrump.api.NetDevice;
import io.jrump.net.wire.ArpPacket;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.WireException;
import java.nio.ByteBuffer;

/**
 * One device (a TAP, a bus port) carrying several summoned services, each at its own IPv4
 * address: like aliases on one interface, the services share the device's MAC address, so Linux
 * on the other side sees one link with several addresses that all resolve to that MAC, and a
 * capture of the TAP shows every service. Each service gets a {@link View}; a received frame goes
 * to the view whose address it is for (the target of an ARP packet, the destination of an IPv4
 * packet) and anything else (broadcasts to other addresses, other protocols, frames that do
 * not parse) to every view, whose kernels drop what is not theirs. With one view, every frame
 * goes to it unparsed. The device is closed when its last view is.
 */
final class SharedDevice {
    private final NetDevice inner;
    private volatile View[] views = new View[0];

    SharedDevice(NetDevice inner) {
        this.inner = inner;
        inner.receiver(this::fromWire);
    }

    /** A view for the service at {@code ip} (host order); another service at the same address is refused. */
    synchronized View view(int ip) {
        for (View v : views) {
            if (v.ip == ip) {
                throw new IllegalArgumentException("another service on " + inner + " is at " + Ipv4Address.format(ip));
            }
        }
        View v = new View(ip);
        View[] more = java.util.Arrays.copyOf(views, views.length + 1);
        more[views.length] = v;
        views = more;
        return v;
    }

    private synchronized boolean remove(View v) {
        View[] now = views;
        View[] fewer = new View[now.length - 1];
        int j = 0;
        for (View x : now) {
            if (x != v) {
                fewer[j++] = x;
            }
        }
        views = fewer;
        return fewer.length == 0;
    }

    private void fromWire(ByteBuffer frame) {
        View[] vs = views;
        if (vs.length == 1) {
            vs[0].receive(frame);
            return;
        }
        int dst = destination(frame);
        for (View v : vs) {
            if (v.ip == dst) {
                v.receive(frame);
                return;
            }
        }
        for (View v : vs) {
            v.receive(frame.duplicate());
        }
    }

    /** The IPv4 address a frame is for, or 0 when it has none a service could own. Frames are untrusted. */
    static int destination(ByteBuffer frame) {
        try {
            EthernetFrame f = new EthernetFrame(frame);
            f.check();
            if (f.etherType() == EthernetFrame.ETHERTYPE_ARP) {
                ArpPacket a = new ArpPacket(f.payload());
                a.check();
                return a.targetIp();
            }
            if (f.etherType() == EthernetFrame.ETHERTYPE_IPV4) {
                Ipv4Packet p = new Ipv4Packet(f.payload());
                p.check();
                return p.dst();
            }
        } catch (WireException e) {
            // every kernel sees it and counts it as malformed
        }
        return 0;
    }

    /** The device as one service sees it: the shared device's frames for its address, and the shared MAC. */
    final class View extends DevicePort {
        final int ip;

        View(int ip) {
            super(SharedDevice.this.inner);
            this.ip = ip;
        }

        void receive(ByteBuffer frame) {
            Receiver r = attached();
            if (r != null) {
                r.receive(frame);
            }
        }

        @Override
        public synchronized void close() {
            if (detach() && remove(this)) {
                inner.receiver(null);
                inner.close();
            }
        }

        @Override
        public String toString() {
            return inner + " for " + Ipv4Address.format(ip);
        }
    }
}
