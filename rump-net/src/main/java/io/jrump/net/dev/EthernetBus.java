package io.jrump.net.dev;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import io.jrump.api.NetDevice;
import io.jrump.net.link.ClockedDevice;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An Ethernet segment in memory connecting any number of kernels in one JVM, the equivalent of
 * NetBSD's shmif(4). Each {@link #port()} is a {@link NetDevice} with its own MAC address.
 * Like a learning switch that knows every port, a unicast frame goes only to the port with its
 * destination MAC; broadcast and multicast frames go to every other port.
 *
 * <p>In real time frames are delivered by a transmitting thread, in the order they were
 * transmitted: the sender's own thread before {@code transmit} returns, unless another thread
 * is delivering on the bus already, which then delivers it too (frames a receiver sends in turn
 * are queued the same way, so an exchange never recurses; see {@link Trampoline}). On a
 * {@link Simulation} the delivery is an event at the current virtual time, run in order with
 * every other event.
 *
 * <p>A frame given with {@code transmit} is copied once; one given with {@code transmitTaken}
 * ({@link FrameTaker}) is carried as it is. Receivers get read-only views, which never change.
 */
public final class EthernetBus {
    /** Default payload size of a frame, Ethernet's 1500 bytes. */
    public static final int DEFAULT_MTU = 1500;

    /** Buses by name, for {@link #named}. */
    private static final ConcurrentHashMap<String, EthernetBus> NAMED = new ConcurrentHashMap<>();

    private final int mtu;
    private final Simulation simulation;
    private final Trampoline trampoline = new Trampoline();
    /** The attached ports, replaced whole on every change (under this bus's lock) and read per frame without a lock or an iterator. */
    private volatile Port[] ports = new Port[0];
    private int nextPort;

    /** A bus in real time with MTU 1500. */
    public EthernetBus() {
        this(DEFAULT_MTU, null);
    }

    /** A bus in real time with the given MTU (9000 for jumbo frames). */
    public EthernetBus(int mtu) {
        this(mtu, null);
    }

    /** A bus whose deliveries are events of {@code simulation} (null for real time). */
    public EthernetBus(int mtu, Simulation simulation) {
        if (mtu < 68 || mtu > 65535 - EthernetFrame.HEADER_LEN) {
            throw new IllegalArgumentException("mtu " + mtu);
        }
        this.mtu = mtu;
        this.simulation = simulation;
    }

    /**
     * The real-time bus of this name in this JVM (MTU 1500), made on first use: where kernels
     * booted by different parts of a program meet without passing a bus object around, such as
     * the kernel of the JVM-wide channel provider ({@code jrump.channels.attach=bus:NAME}) and
     * kernels a program boots itself. This is the one state kernels share by design, as shmif(4)
     * kernels share the bus file they name; a named bus lives as long as the JVM.
     */
    public static EthernetBus named(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a named bus needs a name");
        }
        return NAMED.computeIfAbsent(name, n -> new EthernetBus());
    }

    /** A simulated bus with MTU 1500. */
    public static EthernetBus simulated(Simulation simulation) {
        return new EthernetBus(DEFAULT_MTU, simulation);
    }

    public int mtu() {
        return mtu;
    }

    /** The simulation this bus runs in, or {@code null} in real time. */
    public Simulation simulation() {
        return simulation;
    }

    /** A new port with a locally administered MAC 02:00:00:00:hh:ll numbered from 1. */
    public synchronized NetDevice port() {
        int n = ++nextPort;
        return port(new byte[] {2, 0, 0, 0, (byte) (n >>> 8), (byte) n});
    }

    /** A new port with the given MAC address. */
    public synchronized NetDevice port(byte[] mac) {
        long m = EthernetFrame.mac(mac);
        for (Port p : ports) {
            if (p.mac == m) {
                throw new IllegalArgumentException("MAC " + EthernetFrame.formatMac(m) + " is already on the bus");
            }
        }
        NetClock clock = simulation == null ? null : simulation.clock(ports.length + 1L);
        Port p = new Port(m, clock);
        Port[] next = java.util.Arrays.copyOf(ports, ports.length + 1);
        next[ports.length] = p;
        ports = next;
        return p;
    }

    /** Ports currently attached. */
    public int ports() {
        return ports.length;
    }

    private synchronized void detach(Port p) {
        Port[] now = ports;
        for (int i = 0; i < now.length; i++) {
            if (now[i] == p) {
                Port[] next = new Port[now.length - 1];
                System.arraycopy(now, 0, next, 0, i);
                System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                ports = next;
                return;
            }
        }
    }

    private void carry(Port from, ByteBuffer frame) {
        long dst = new EthernetFrame(frame).dst();
        boolean flood = EthernetFrame.isMulticast(dst);
        for (Port p : ports) {
            if (p != from && (flood || p.mac == dst)) {
                // the view is this send's own: only a flooded frame needs one per receiver
                p.deliver(flood ? frame.duplicate() : frame);
            }
        }
    }

    /** Like {@link #carry} for a frame of a burst: {@code more} when another frame of it follows at once. */
    private void carry(Port from, ByteBuffer frame, boolean more) {
        long dst = new EthernetFrame(frame).dst();
        boolean flood = EthernetFrame.isMulticast(dst);
        for (Port p : ports) {
            if (p != from && (flood || p.mac == dst)) {
                p.deliver(flood ? frame.duplicate() : frame, more);
            }
        }
    }

    /**
     * Whether an oversized frame is a TCP segment the port may carry whole (segmentation
     * offload): IPv4, protocol TCP, at most one datagram long. Anything else over the MTU is
     * refused, as a wire of that MTU would.
     */
    private static boolean offloadedSegment(ByteBuffer frame) {
        if (frame.remaining() > EthernetFrame.HEADER_LEN + Ipv4Packet.MAX_LENGTH
                || frame.remaining() <= EthernetFrame.HEADER_LEN + Ipv4Packet.HEADER_LEN) {
            return false;
        }
        EthernetFrame f = new EthernetFrame(frame);
        return f.etherType() == EthernetFrame.ETHERTYPE_IPV4 && new Ipv4Packet(f.payload()).protocol() == Ipv4Packet.PROTO_TCP;
    }

    /** One frame on its way from a port to its receivers: one object per frame, run by the trampoline or the simulation. */
    private final class Delivery implements Runnable {
        private final Port from;
        private final ByteBuffer frame;
        private final FrameLease lease;

        Delivery(Port from, ByteBuffer frame, FrameLease lease) {
            this.from = from;
            this.frame = frame;
            this.lease = lease;
        }

        @Override
        public void run() {
            if (lease == null) {
                carry(from, frame);
                return;
            }
            FrameLease outer = lease.startDelivery();
            try {
                carry(from, frame);
            } finally {
                lease.endDelivery(outer);
            }
        }
    }

    /**
     * The frames of one burst ({@link FrameTaker#transmitBurst}) on their way: delivered one
     * right after the other in one run, so no other frame comes between them and the receiver
     * learns which one is the last.
     */
    private final class BurstDelivery implements Runnable {
        private final Port from;
        private final ByteBuffer[] frames;
        private final int count;
        private final FrameLease lease;

        BurstDelivery(Port from, ByteBuffer[] frames, int count, FrameLease lease) {
            this.from = from;
            this.frames = frames;
            this.count = count;
            this.lease = lease;
        }

        @Override
        public void run() {
            FrameLease outer = lease == null ? null : lease.startDelivery();
            try {
                for (int i = 0; i < count; i++) {
                    carry(from, frames[i], i < count - 1);
                }
            } finally {
                if (lease != null) {
                    lease.endDelivery(outer);
                }
            }
        }
    }

    private final class Port extends MemoryDevice implements ClockedDevice {
        private final long mac;
        private final NetClock clock;

        Port(long mac, NetClock clock) {
            this.mac = mac;
            this.clock = clock;
        }

        @Override
        public byte[] macAddress() {
            return EthernetFrame.macBytes(mac);
        }

        @Override
        public int mtu() {
            return mtu;
        }

        @Override
        public NetClock clock() {
            return clock;
        }

        @Override
        public void transmit(ByteBuffer frame) throws ErrnoException {
            check(frame);
            send(copy(frame).asReadOnlyBuffer(), null);
        }

        @Override
        public void transmitTaken(ByteBuffer frame, FrameLease lease) throws ErrnoException {
            check(frame);
            // read-only: a flooded frame reaches several receivers, none may change it for the others
            send((frame.position() == 0 ? frame : frame.slice()).asReadOnlyBuffer(), retained(lease));
        }

        @Override
        public void transmitBurst(ByteBuffer[] frames, int count, FrameLease lease) throws ErrnoException {
            for (int i = 0; i < count; i++) {
                check(frames[i]);
                ByteBuffer f = frames[i].position() == 0 ? frames[i] : frames[i].slice();
                frames[i] = f.isReadOnly() ? f : f.asReadOnlyBuffer(); // a read-only view already is one nobody may write through
            }
            Runnable d = new BurstDelivery(this, frames, count, retained(lease));
            if (simulation != null) {
                simulation.schedule(0, d);
            } else {
                trampoline.run(d);
            }
        }

        private void check(ByteBuffer frame) throws ErrnoException {
            if (isClosed()) {
                throw new ErrnoException(Errno.ENXIO, "bus port " + EthernetFrame.formatMac(mac) + " is closed");
            }
            int n = frame.remaining();
            if (n < EthernetFrame.HEADER_LEN || n > mtu + EthernetFrame.HEADER_LEN && !offloadedSegment(frame)) {
                throw new ErrnoException(Errno.EMSGSIZE, "frame of " + n + " bytes on a bus with MTU " + mtu);
            }
        }

        /** Carries {@code ro} to its receivers; {@code lease} (held by this bus until then) covers lent memory. */
        private void send(ByteBuffer ro, FrameLease lease) {
            Delivery d = new Delivery(this, ro, lease);
            if (simulation != null) {
                simulation.schedule(0, d);
            } else {
                trampoline.run(d);
            }
        }

        @Override
        void closed() {
            detach(this);
        }

        @Override
        public String toString() {
            return "bus port " + EthernetFrame.formatMac(mac);
        }
    }
}
