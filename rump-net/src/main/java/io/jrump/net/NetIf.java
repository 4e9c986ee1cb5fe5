package io.jrump.net;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import io.jrump.api.NetDevice;
import io.jrump.kern.Accounting;
import io.jrump.kern.CpuMeter;
import io.jrump.net.link.FrameTaker;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.WireException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A network interface (NetBSD's {@code struct ifnet} with {@code ether_input}/{@code ether_output}):
 * a name, a {@link NetDevice}, an up flag, an MTU and per-interface counters. It strips and
 * adds Ethernet II headers and hands payloads to the handler registered for their EtherType,
 * so the Internet layer above never sees a device and a device never sees a protocol.
 *
 * <p>Receive runs on the device's thread; transmit on the caller's. Neither takes a lock: the
 * fields they read are volatile or atomic, so a frame is never delivered with a lock held.
 */
public final class NetIf {

    /** A protocol above Ethernet (IPv4, ARP). Must not throw: malformed input is counted and dropped. */
    @FunctionalInterface
    public interface Handler {
        /**
         * {@code payload} follows the Ethernet header and is valid only during the call, unless
         * the interface's frames stay valid ({@link NetIf#framesStayValid()}).
         */
        void input(NetIf ifp, long srcMac, long dstMac, ByteBuffer payload);
    }

    private final String name;
    private final NetDevice device;
    private final FrameTaker taker;
    private final boolean stableFrames;
    private final long mac;
    private final boolean loopback;
    /** The largest frame the link carries (without segmentation offload): the device's MTU plus the Ethernet header. */
    private final int maxFrame;
    private volatile int mtu;
    private volatile boolean up;
    private volatile Handler ipv4;
    private volatile Handler arp;

    private final LongAdder rxPackets = new LongAdder();
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder txPackets = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    /** Segments merged from several frames ({@link ReceiveCoalescer}). */
    private final LongAdder rxMerged = new LongAdder();
    private final Map<String, AtomicLong> drops = new ConcurrentHashMap<>();
    private final SoftwareGso gso;

    public NetIf(String name, NetDevice device, boolean loopback) {
        this.name = name;
        this.device = device;
        this.taker = device instanceof FrameTaker t ? t : null;
        this.stableFrames = taker != null && taker.deliversStableFrames();
        this.mac = EthernetFrame.mac(device.macAddress());
        this.loopback = loopback;
        this.mtu = device.mtu();
        this.maxFrame = EthernetFrame.HEADER_LEN + device.mtu();
        this.gso = new SoftwareGso(mac, device, taker, txPackets, txBytes);
    }

    /** Starts receiving from the device. */
    public void attach() {
        device.receiver(new Input(null));
    }

    /**
     * What the device delivers to: frames one by one, or in bursts, whose TCP segments
     * {@link ReceiveCoalescer} may merge; each call is charged to {@code accounting} when given.
     */
    private final class Input implements NetDevice.Receiver {
        private final Accounting accounting;
        private final ReceiveCoalescer gro = new ReceiveCoalescer(NetIf.this);

        Input(Accounting accounting) {
            this.accounting = accounting;
        }

        @Override
        public void receive(ByteBuffer frame) {
            receive(frame, false);
        }

        @Override
        public void receive(ByteBuffer frame, boolean more) {
            if (accounting == null) {
                gro.receive(frame, more);
                return;
            }
            CpuMeter m = accounting.enter();
            try {
                gro.receive(frame, more);
            } finally {
                m.close();
            }
        }
    }

    /**
     * Starts receiving from the device, charging the time each frame takes to {@code accounting}
     * (the kernel's; null or disabled charges nothing), whichever thread delivers it.
     */
    public void attach(Accounting accounting) {
        if (accounting == null || !accounting.enabled()) {
            attach();
            return;
        }
        device.receiver(new Input(accounting));
    }

    /** Stops receiving and closes the device. */
    public void detach() {
        up = false;
        device.receiver(null);
        device.close();
    }

    public void handlers(Handler ipv4Handler, Handler arpHandler) {
        this.ipv4 = ipv4Handler;
        this.arp = arpHandler;
    }

    public String name() {
        return name;
    }

    public NetDevice device() {
        return device;
    }

    public long mac() {
        return mac;
    }

    public boolean isLoopback() {
        return loopback;
    }

    /**
     * Whether the device completes transport checksums for us ({@code TX_CHECKSUM}): the
     * stack may send TCP and UDP with the partial mark ({@link io.jrump.net.wire.PartialChecksum}).
     * Asked per datagram, since a wrapper's answer may change (a link emulator told to corrupt).
     */
    public boolean txChecksumOffload() {
        return device.offloads().contains(NetDevice.Offload.TX_CHECKSUM);
    }

    /** Whether frames from this device never left memory ({@code RX_CHECKSUM}): a partial mark on them may be trusted. */
    public boolean rxChecksumOffload() {
        return device.offloads().contains(NetDevice.Offload.RX_CHECKSUM);
    }

    /** Whether the device carries TCP datagrams larger than the MTU whole ({@code SEGMENTATION}). */
    public boolean segmentationOffload() {
        return device.offloads().contains(NetDevice.Offload.SEGMENTATION);
    }

    /**
     * Whether frames from this device never change after delivery ({@link FrameTaker}'s
     * guarantee), so the layers above may keep views of a received payload past the
     * {@link Handler#input} call instead of copying it.
     */
    public boolean framesStayValid() {
        return stableFrames;
    }

    public boolean isUp() {
        return up && device.isLinkUp();
    }

    public void setUp(boolean on) {
        up = on;
    }

    public int mtu() {
        return mtu;
    }

    /** Sets the MTU; EINVAL below the IPv4 minimum of 68 (RFC 791) or above what the device carries. */
    public void setMtu(int value) throws ErrnoException {
        if (value < 68 || value > device.mtu()) {
            throw new ErrnoException(Errno.EINVAL, "mtu " + value + " outside 68.." + device.mtu() + " for " + name);
        }
        mtu = value;
    }

    /** Counts a dropped frame or packet under {@code reason} ("bad_checksum", "no_route"). */
    public void drop(String reason) {
        drops.computeIfAbsent(reason, k -> new AtomicLong()).incrementAndGet();
    }

    /** A snapshot of this interface's counters. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new TreeMap<>();
        m.put("rx_packets", rxPackets.sum());
        m.put("rx_bytes", rxBytes.sum());
        m.put("tx_packets", txPackets.sum());
        m.put("tx_bytes", txBytes.sum());
        long merged = rxMerged.sum();
        if (merged > 0) {
            m.put("rx_merged", merged);
        }
        drops.forEach((k, v) -> m.put("drops." + k, v.get()));
        return m;
    }

    /**
     * Whether received TCP segments may be merged ({@link ReceiveCoalescer}): the interface is
     * up and not loopback, its device's frames never left memory ({@code RX_CHECKSUM}) and are
     * not kept by the layers above (a merged segment's buffer is reused).
     */
    boolean mayCoalesce() {
        return up && !loopback && !stableFrames && rxChecksumOffload();
    }

    /**
     * A frame, or a TCP segment merged from {@code frames} frames of {@code bytes} in all
     * ({@code merged}: it may be longer than the MTU), from the device.
     */
    void receive(ByteBuffer frame, int frames, long bytes, boolean merged) {
        try {
            rxPackets.add(frames);
            rxBytes.add(bytes);
            if (merged) {
                rxMerged.increment();
            }
            if (!up) {
                drop("interface_down");
                return;
            }
            EthernetFrame f = new EthernetFrame(frame);
            try {
                f.check();
            } catch (WireException e) {
                drop("ether_" + e.reason());
                return;
            }
            if (frame.remaining() > maxFrame && !loopback && !merged && !carriedWhole(f)) {
                drop("oversize");
                return;
            }
            long dst = f.dst();
            if (!loopback && dst != mac && dst != EthernetFrame.BROADCAST) {
                drop("not_for_us");
                return;
            }
            Handler h = switch (f.etherType()) {
                case EthernetFrame.ETHERTYPE_IPV4 -> ipv4;
                case EthernetFrame.ETHERTYPE_ARP -> loopback ? null : arp;
                default -> null;
            };
            if (h == null) {
                drop("unknown_ethertype");
                return;
            }
            h.input(this, f.src(), dst, f.payload());
        } catch (RuntimeException e) {
            // A bug must not unwind into another kernel's transmit (the bus runs us on its thread).
            drop("internal_error");
        }
    }

    /**
     * Whether a frame longer than the link's MTU may be taken: only a TCP segment on a device
     * with segmentation offload (a TAP's GRO'd frames, up to 64 KiB). Anything else that long
     * (a host with a larger MTU than it told us, a forged frame) is what no NIC of this MTU
     * would deliver, and is dropped as Linux drops frames beyond a device's MTU.
     */
    private boolean carriedWhole(EthernetFrame f) {
        if (!segmentationOffload() || f.etherType() != EthernetFrame.ETHERTYPE_IPV4) {
            return false;
        }
        ByteBuffer ip = f.payload();
        return ip.remaining() > IPV4_PROTOCOL_OFFSET && (ip.get(ip.position() + IPV4_PROTOCOL_OFFSET) & 0xff) == Ipv4Packet.PROTO_TCP;
    }

    /** Where an IPv4 header holds the protocol (RFC 791 3.1). */
    private static final int IPV4_PROTOCOL_OFFSET = 9;

    /**
     * Sends {@code payload} (position to limit) in an Ethernet frame to {@code dstMac}. Frames
     * are padded to the 60-byte minimum as a NIC would.
     *
     * @throws ErrnoException ENETDOWN when the interface is down, or what the device reports
     */
    public void output(long dstMac, int etherType, ByteBuffer payload) throws ErrnoException {
        output(dstMac, etherType, payload, false);
    }

    /**
     * Like {@link #output(long, int, ByteBuffer)}; with {@code inPlace} the bytes before the
     * payload's position are free, and when they hold the Ethernet header and the frame needs
     * no padding the header is written there and the payload's own buffer is transmitted,
     * saving an allocation and a copy per frame. The payload's buffer belongs to this
     * interface afterwards: a device that can take frames ({@link FrameTaker}) gets it without
     * a copy.
     */
    public void output(long dstMac, int etherType, ByteBuffer payload, boolean inPlace) throws ErrnoException {
        output(dstMac, etherType, payload, inPlace, 0);
    }

    /**
     * Like {@link #output(long, int, ByteBuffer, boolean)}; a TCP datagram longer than the MTU
     * on a device without segmentation offload is cut into frames of {@code segmentSize}
     * payload bytes here ({@link SoftwareGso}), which go to the device as one burst. With
     * {@code segmentSize} 0, or when the device carries the datagram whole, nothing is cut.
     */
    public void output(long dstMac, int etherType, ByteBuffer payload, boolean inPlace, int segmentSize) throws ErrnoException {
        if (!isUp()) {
            drop("tx_interface_down");
            throw new ErrnoException(Errno.ENETDOWN, name + " is down");
        }
        int n = payload.remaining();
        if (segmentSize > 0 && n > mtu && etherType == EthernetFrame.ETHERTYPE_IPV4 && !loopback && !segmentationOffload()
                && SoftwareGso.applies(payload, mtu)) {
            gso.transmit(dstMac, payload, segmentSize, mtu, txChecksumOffload());
            return;
        }
        int len = Math.max(EthernetFrame.HEADER_LEN + n, loopback ? 0 : EthernetFrame.MIN_FRAME_LEN);
        ByteBuffer frame;
        boolean own; // a new buffer, whose memory nobody lent
        int start = payload.position() - EthernetFrame.HEADER_LEN;
        if (inPlace && start >= 0 && len == EthernetFrame.HEADER_LEN + n && !payload.isReadOnly()) {
            frame = payload.duplicate();
            frame.position(start);
            EthernetFrame.emitHeader(frame, start, dstMac, mac, etherType);
            own = false;
        } else {
            own = true;
            frame = ByteBuffer.allocate(len);
            EthernetFrame.emitHeader(frame, 0, dstMac, mac, etherType);
            frame.put(EthernetFrame.HEADER_LEN, payload, payload.position(), n);
        }
        txPackets.increment();
        txBytes.add(len);
        // the frame is ours either way (a new buffer, or one the IP layer was given): hand it over,
        // with the lease of the memory it is in when that was lent (a new buffer never is)
        if (taker != null) {
            taker.transmitTaken(frame, own || !frame.hasArray() ? null : FrameLease.of(frame.array()));
        } else {
            device.transmit(frame);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
