package io.jrump.virtio.model;

import static io.jrump.virtio.net.NetWire.*;

import io.jrump.api.ErrnoException;
import io.jrump.platform.host.VirtioNetHeader;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.Segment;
import io.jrump.virtio.Virtio;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A virtio-net device in the JVM (virtio 1.2 section 5.1) that answers like dpdk-testpmd in
 * macswap mode: every frame sent comes back on the receive queue with its destination and
 * source MAC addresses swapped. It spreads a frame over several receive buffers when MRG_RXBUF
 * was negotiated, keeps frames for which no buffer is posted yet (up to a bound, then drops
 * and counts them), and can take its link down (a configuration change).
 *
 * <p>With offloads it also offers CSUM, HOST_TSO4 and HOST_ECN, and GUEST_TSO4, and behaves
 * like a virtual switch between two virtio guests: a frame's header travels with it, so a
 * partial checksum or a 64 KiB TCP frame comes back as it went, to a driver that takes them
 * (GUEST_CSUM, GUEST_TSO4); for a driver that does not, the checksum is completed here and a
 * large frame dropped (this model does not segment). The last frame sent is kept, with its
 * header, for tests to look at.
 */
public final class NetModel extends MmioDeviceModel {
    public static final int QUEUE_MAX = 256;
    private static final int PENDING_MAX = 1024;

    private final byte[] mac;
    private final int mtu;
    private volatile boolean linkUp = true;
    private final ArrayDeque<byte[]> pending = new ArrayDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong echoed = new AtomicLong();

    public NetModel(GuestMemory mem, int version, byte[] mac, int mtu) {
        this(mem, version, mac, mtu, false);
    }

    public NetModel(GuestMemory mem, int version, byte[] mac, int mtu, boolean offloads) {
        super(Virtio.ID_NET, version, Virtio.bit(Virtio.F_EVENT_IDX) | Virtio.bit(F_MAC) | Virtio.bit(F_STATUS) | Virtio.bit(F_MTU)
                | Virtio.bit(F_MRG_RXBUF) | Virtio.bit(F_GUEST_CSUM) | (offloads ? OFFLOADS : 0), 2, QUEUE_MAX, mem);
        this.mac = mac.clone();
        this.mtu = mtu;
    }

    private static final long OFFLOADS = Virtio.bit(F_CSUM) | Virtio.bit(F_HOST_TSO4) | Virtio.bit(F_HOST_ECN) | Virtio.bit(F_GUEST_TSO4);
    /** The last frame transmitted, behind the first {@value VirtioNetHeader#SIZE} bytes of its header. */
    private volatile byte[] lastTx = new byte[VirtioNetHeader.SIZE];

    /**
     * The last frame as the driver transmitted it, behind the first {@value VirtioNetHeader#SIZE}
     * bytes of its header (flags, gso_type, hdr_len, gso_size, csum_start, csum_offset; little-endian).
     */
    public byte[] lastTx() {
        return lastTx.clone();
    }

    /** Frames that found no receive buffer. */
    public long dropped() {
        return dropped.get();
    }

    public long echoed() {
        return echoed.get();
    }

    public void link(boolean up) {
        linkUp = up;
        configChanged();
    }

    private int hdrSize() {
        return negotiated(Virtio.F_VERSION_1) || negotiated(F_MRG_RXBUF) ? HDR_SIZE : HDR_SIZE_LEGACY;
    }

    @Override
    protected int configByte(int off) {
        if (off < 6) {
            return mac[off];
        }
        return switch (off) {
            case CFG_STATUS -> linkUp ? STATUS_LINK_UP : 0;
            case CFG_MTU -> mtu & 0xff;
            case CFG_MTU + 1 -> mtu >>> 8;
            default -> 0;
        };
    }

    @Override
    protected void onReset() {
        synchronized (pending) {
            pending.clear();
        }
    }

    @Override
    protected void serve(int q) throws ErrnoException {
        DeviceQueue tx = queue(TX);
        if (q == TX && tx != null) {
            for (DeviceQueue.Chain c; (c = tx.next()) != null;) {
                if (fault() == Fault.STOP_ANSWERING) {
                    return;
                }
                byte[] frame = gather(c);
                complete(tx, c, 0);
                if (frame != null && frame.length >= VirtioNetHeader.SIZE + ETH_HLEN) {
                    lastTx = frame.clone();
                    if (!forGuest(frame)) {
                        dropped.incrementAndGet();
                        continue;
                    }
                    for (int i = VirtioNetHeader.SIZE; i < VirtioNetHeader.SIZE + 6; i++) {
                        byte d = frame[i];
                        frame[i] = frame[6 + i];
                        frame[6 + i] = d;
                    }
                    synchronized (pending) {
                        if (pending.size() < PENDING_MAX) {
                            pending.add(frame);
                        } else {
                            dropped.incrementAndGet();
                        }
                    }
                }
            }
        }
        deliverPending();
    }

    /**
     * Makes a transmitted frame (behind its {@value VirtioNetHeader#SIZE}-byte header) fit for
     * the driver's receive features: completes a partial checksum for a driver without
     * GUEST_CSUM; false for a large frame a driver without GUEST_TSO4 cannot take.
     */
    private boolean forGuest(byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        if (b.get(1) != VirtioNetHeader.GSO_NONE && !negotiated(F_GUEST_TSO4)) {
            return false;
        }
        if (!negotiated(F_GUEST_CSUM) && (b.get(0) & VirtioNetHeader.F_NEEDS_CSUM) != 0) {
            if (!VirtioNetHeader.onReceive(b, 0, VirtioNetHeader.SIZE, frame.length - VirtioNetHeader.SIZE, false,
                    java.nio.ByteOrder.LITTLE_ENDIAN)) {
                return false;
            }
            b.put(0, (byte) 0);
        }
        return true;
    }

    /** The frame of a transmit chain behind the first {@value VirtioNetHeader#SIZE} bytes of its header (the rest of it dropped). */
    private byte[] gather(DeviceQueue.Chain c) throws ErrnoException {
        int total = 0;
        for (Segment s : c.readable()) {
            total += s.len();
        }
        int hdr = hdrSize();
        if (total < hdr) {
            return null;
        }
        ByteBuffer all = ByteBuffer.allocate(total);
        for (Segment s : c.readable()) {
            all.put(mem.slice(s.gpa(), s.len()));
        }
        byte[] frame = new byte[total - hdr + VirtioNetHeader.SIZE];
        all.get(0, frame, 0, VirtioNetHeader.SIZE);
        all.get(hdr, frame, VirtioNetHeader.SIZE, total - hdr);
        return frame;
    }

    private void deliverPending() throws ErrnoException {
        DeviceQueue rx = queue(RX);
        if (rx == null) {
            return;
        }
        while (true) {
            byte[] frame;
            synchronized (pending) {
                frame = pending.peek();
            }
            if (frame == null || !deliver(rx, frame)) {
                return;
            }
            synchronized (pending) {
                pending.poll();
            }
            echoed.incrementAndGet();
        }
    }

    /** Writes one frame into posted receive buffers; false when there are not enough (the chains taken stay pending). */
    private final ArrayDeque<DeviceQueue.Chain> held = new ArrayDeque<>();

    private boolean deliver(DeviceQueue rx, byte[] frame) throws ErrnoException {
        int hdr = hdrSize();
        boolean merge = negotiated(F_MRG_RXBUF);
        int need = hdr + frame.length - VirtioNetHeader.SIZE;
        int have = 0;
        for (DeviceQueue.Chain c : held) {
            have += c.writableBytes();
        }
        while (have < need && (merge || held.isEmpty())) {
            DeviceQueue.Chain c = rx.next();
            if (c == null) {
                return false;
            }
            held.add(c);
            have += c.writableBytes();
        }
        if (have < need) {
            // one buffer without MRG_RXBUF: the frame does not fit, drop it and give the buffer back unused
            dropped.incrementAndGet();
            complete(rx, held.poll(), 0);
            return true;
        }
        ByteBuffer src = ByteBuffer.allocate(need);
        src.put(frame, 0, VirtioNetHeader.SIZE); // the header as it was sent: the switch passes it on
        src.put(new byte[hdr - VirtioNetHeader.SIZE]);
        src.put(frame, VirtioNetHeader.SIZE, frame.length - VirtioNetHeader.SIZE).flip();
        int used = 0;
        java.util.List<int[]> completions = new java.util.ArrayList<>();
        java.util.List<DeviceQueue.Chain> chains = new java.util.ArrayList<>();
        while (src.hasRemaining()) {
            DeviceQueue.Chain c = held.poll();
            int wrote = 0;
            for (Segment s : c.writable()) {
                int n = Math.min(s.len(), src.remaining());
                ByteBuffer part = src.slice(src.position(), n);
                mem.slice(s.gpa(), n).put(part);
                src.position(src.position() + n);
                wrote += n;
                if (!src.hasRemaining()) {
                    break;
                }
            }
            chains.add(c);
            completions.add(new int[] {c.head(), wrote});
            used++;
        }
        if (hdr == HDR_SIZE) {
            Segment first = chains.get(0).writable().get(0);
            mem.putShort(first.gpa() + HDR_NUM_BUFFERS, merge ? used : 1);
        }
        for (int i = 0; i < chains.size(); i++) {
            complete(rx, chains.get(i), completions.get(i)[1]);
        }
        return true;
    }
}
