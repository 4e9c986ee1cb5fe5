package io.jrump.virtio.net;

import static io.jrump.virtio.net.NetWire.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.platform.host.VirtioNetHeader;
import io.jrump.virtio.DmaPool;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.Negotiation;
import io.jrump.virtio.Segment;
import io.jrump.virtio.SplitQueue;
import io.jrump.virtio.Transport;
import io.jrump.virtio.Virtio;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A virtio-net device (virtio 1.2 section 5.1) as a {@link NetDevice}, over any
 * {@link Transport}.
 *
 * <p>Receiving: the receive queue is kept full of fixed buffers in shared memory (refilled as
 * soon as a frame is taken). With MRG_RXBUF a frame may span several buffers, the first one's
 * header saying how many ({@code num_buffers}); they are gathered before the frame goes up.
 * A frame in one buffer is handed up as a view of the shared memory, valid during the call as
 * {@link NetDevice.Receiver} promises; only a merged frame is copied.
 *
 * <p>Transmitting: each frame is copied behind its header into one of a fixed set of slots,
 * one descriptor per frame; used slots are reclaimed before each send. Transmit interrupts are
 * asked for only while a sender waits for a slot (as Linux's virtio-net reclaims on transmit):
 * otherwise every batch the device sends would cost it an eventfd write and us a wake-up of the
 * transport's thread for nothing. A full ring pushes back: transmit waits for a slot up to the
 * timeout, then the device counts as gone (EIO); it never drops a frame silently. Except on
 * the receive path: a receiver that transmits (a TCP ACK, an ARP reply, a bridge) while the ring
 * is full gets ENOBUFS at once (the stack's "interface queue full"), since while it waited no
 * receive buffer would be refilled, and a device that serves both rings from one loop (DPDK's
 * testpmd) stops taking transmitted frames while it cannot deliver received ones.
 *
 * <p>The receiver runs on the transport's thread; an exception it throws drops that frame (counted)
 * and goes no further, since the same thread notices a backend that hangs up.
 *
 * <p>Offloads: the header is the TAP's {@code virtio_net_hdr} ({@link VirtioNetHeader}, fields
 * little-endian here), and the stack gets the same work done as over a TAP. With CSUM and
 * GUEST_CSUM the device offers checksum offload both ways: a frame the stack left partial goes
 * out NEEDS_CSUM, and a received NEEDS_CSUM or DATA_VALID frame reaches the stack with the
 * partial mark, which it trusts. With HOST_TSO4, GUEST_TSO4 and MRG_RXBUF as well it offers
 * segmentation (HOST_ECN too, since the stack's large segments may carry CWR): TCP datagrams up
 * to 64 KiB go out whole (gso_type TCPV4, the device cuts them to the MTU) and come in whole. Without these features a NEEDS_CSUM frame is completed here
 * and the stack sees ordinary frames.
 *
 * <p>The MAC comes from the configuration space with F_MAC, else the caller's; the link state
 * from it with F_STATUS (re-read on a configuration interrupt), else up; the MTU with F_MTU,
 * else 1500. A device that breaks the ring protocol is disconnected: transmit fails with EIO
 * and nothing more is received.
 */
public final class VirtioNet implements NetDevice {
    /** Bytes of each receive buffer: a full 1500-byte frame with header and VLAN tag fits one. */
    static final int RX_BUFFER = 2048;
    /** The largest IPv4 datagram: what one frame carries with segmentation offload. */
    private static final int MAX_DATAGRAM = 65535;
    /** Transmit slots with segmentation offload, each a 64 KiB frame: bounds the shared memory they take. */
    private static final int TSO_SLOTS = 32;
    private static final int DEFAULT_MTU = 1500;

    private final Transport transport;
    private final String name;
    private final long features;
    private final DmaPool dma;
    private final GuestMemory mem;
    private final int hdrSize;
    private final byte[] mac;
    private final int mtu;
    private final Set<Offload> offloads;
    private final SplitQueue rxq;
    private final SplitQueue txq;
    private final long rxBase;
    private final int rxCount;
    private final long txBase;
    private final int txSlot;
    private final int txCount;
    private final int[] freeTx;
    private int freeTxTop;
    /** Senders waiting for a slot, who need the transmit interrupt; guarded by txLock. */
    private int txWaiters;
    private final Object rxLock = new Object();
    private final Object txLock = new Object();
    private final long timeoutNanos;
    private volatile Receiver receiver;
    private volatile boolean linkUp = true;
    private volatile String disconnected;
    private volatile boolean closed;
    private final AtomicLong rxFrames = new AtomicLong();
    private final AtomicLong rxDropped = new AtomicLong();
    private final AtomicLong txFrames = new AtomicLong();
    private final AtomicLong txRingFullWaits = new AtomicLong();
    private final AtomicLong txRefusedOnReceive = new AtomicLong();
    /** The thread handing received frames up, while it does: it must not wait for transmit slots. */
    private volatile Thread receiving;
    /** Frames being gathered from several buffers (MRG_RXBUF); guarded by rxLock. */
    private ByteBuffer merging;
    private int mergeLeft;

    private VirtioNet(Transport t, String name, long features, byte[] fallbackMac, long timeoutNanos) throws ErrnoException {
        this.transport = t;
        this.name = name;
        this.features = features;
        this.timeoutNanos = timeoutNanos;
        this.dma = t.dma();
        this.mem = dma.memory();
        this.hdrSize = Virtio.has(features, Virtio.F_VERSION_1) || Virtio.has(features, F_MRG_RXBUF) ? HDR_SIZE : HDR_SIZE_LEGACY;
        byte[] cfg = new byte[CFG_SIZE];
        t.readConfig(0, cfg);
        ByteBuffer c = ByteBuffer.wrap(cfg).order(ByteOrder.LITTLE_ENDIAN);
        this.mac = Virtio.has(features, F_MAC) ? java.util.Arrays.copyOf(cfg, 6) : fallbackMac.clone();
        int m = Virtio.has(features, F_MTU) ? c.getShort(CFG_MTU) & 0xffff : DEFAULT_MTU;
        this.mtu = m < 68 ? DEFAULT_MTU : m;
        if (Virtio.has(features, F_STATUS)) {
            linkUp = (c.getShort(CFG_STATUS) & STATUS_LINK_UP) != 0;
        }
        int rxSize = Integer.highestOneBit(Math.min(256, t.maxQueueSize(RX)));
        int txSize = Integer.highestOneBit(Math.min(256, t.maxQueueSize(TX)));
        if (rxSize < 2 || txSize < 2) {
            throw new ErrnoException(Errno.ENODEV, name + ": receive or transmit queue missing");
        }
        boolean merge = Virtio.has(features, F_MRG_RXBUF);
        this.offloads = offloads(features);
        int frameMax = ETH_HLEN + VLAN_HLEN + (offloads.contains(Offload.SEGMENTATION) ? MAX_DATAGRAM : mtu);
        if (!merge && hdrSize + frameMax > RX_BUFFER) {
            throw new ErrnoException(Errno.ENODEV, name + ": MTU " + mtu + " needs MRG_RXBUF, which the device lacks");
        }
        this.rxCount = rxSize;
        this.rxBase = dma.alloc(rxCount * RX_BUFFER);
        this.txCount = offloads.contains(Offload.SEGMENTATION) ? Math.min(txSize, TSO_SLOTS) : txSize;
        this.txSlot = (hdrSize + frameMax + 255) & ~255;
        this.txBase = dma.alloc(txCount * txSlot);
        this.freeTx = new int[txCount];
        for (int i = 0; i < txCount; i++) {
            freeTx[freeTxTop++] = i;
        }
        this.rxq = t.startQueue(RX, rxSize, features, 0, this::onReceive);
        this.txq = t.startQueue(TX, txSize, features, 0, this::onTransmitted);
        txq.disableInterrupts();
        t.onFailure(this::disconnect);
        t.onConfigChange(this::readLink);
        synchronized (rxLock) {
            for (int i = 0; i < rxCount; i++) {
                rxq.add(List.of(Segment.in(rxBase + (long) i * RX_BUFFER, RX_BUFFER)), i);
            }
        }
        Negotiation.driverOk(t);
        synchronized (rxLock) {
            if (rxq.needsNotify()) {
                t.notify(rxq);
            }
        }
    }

    /**
     * Initialises the device behind {@code t}.
     *
     * @param mac the address to use when the device does not give one (F_MAC)
     * @param timeoutNanos how long a transmit may wait for a free slot before the device counts as gone
     */
    public static VirtioNet open(Transport t, String name, byte[] mac, long timeoutNanos) throws ErrnoException {
        long wanted = Virtio.bit(Virtio.F_VERSION_1) | Virtio.bit(Virtio.F_EVENT_IDX) | Virtio.bit(F_MAC) | Virtio.bit(F_STATUS)
                | Virtio.bit(F_MTU) | Virtio.bit(F_MRG_RXBUF) | Virtio.bit(F_GUEST_CSUM) | Virtio.bit(F_CSUM) | Virtio.bit(F_HOST_TSO4)
                | Virtio.bit(F_HOST_ECN) | Virtio.bit(F_GUEST_TSO4);
        try {
            long features = Negotiation.begin(t, Virtio.ID_NET, wanted, 0);
            return new VirtioNet(t, name, features, mac, timeoutNanos);
        } catch (ErrnoException e) {
            t.close();
            throw e;
        }
    }

    public long features() {
        return features;
    }

    /** What the negotiated features let the stack leave to the device (see the class note). */
    static Set<Offload> offloads(long features) {
        if (!Virtio.has(features, F_CSUM) || !Virtio.has(features, F_GUEST_CSUM)) {
            return Set.of();
        }
        if (Virtio.has(features, F_HOST_TSO4) && Virtio.has(features, F_HOST_ECN) && Virtio.has(features, F_GUEST_TSO4)
                && Virtio.has(features, F_MRG_RXBUF)) {
            return Set.of(Offload.TX_CHECKSUM, Offload.RX_CHECKSUM, Offload.SEGMENTATION);
        }
        return Set.of(Offload.TX_CHECKSUM, Offload.RX_CHECKSUM);
    }

    @Override
    public Set<Offload> offloads() {
        return offloads;
    }

    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    @Override
    public int mtu() {
        return mtu;
    }

    @Override
    public boolean isLinkUp() {
        return linkUp && disconnected == null && !closed;
    }

    @Override
    public void receiver(Receiver r) {
        this.receiver = r;
    }

    /** Frames received, dropped (bad header, no receiver), and sent. */
    public long rxFrames() {
        return rxFrames.get();
    }

    public long rxDropped() {
        return rxDropped.get();
    }

    public long txFrames() {
        return txFrames.get();
    }

    /** Frames a receiver transmitted while the ring was full, refused with ENOBUFS. */
    public long txRefusedOnReceive() {
        return txRefusedOnReceive.get();
    }

    /** Times a transmit found every slot in use and waited for the device: how often the ring pushed back. */
    public long txRingFullWaits() {
        return txRingFullWaits.get();
    }

    public String disconnectReason() {
        return disconnected;
    }

    private void readLink() {
        if (Virtio.has(features, F_STATUS)) {
            byte[] s = new byte[2];
            try {
                transport.readConfig(CFG_STATUS, s);
                linkUp = (s[0] & STATUS_LINK_UP) != 0;
            } catch (ErrnoException e) {
                disconnect(e.getMessage());
            }
        }
    }

    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        int len = frame.remaining();
        if (len < ETH_HLEN || len > txSlot - hdrSize) {
            throw new ErrnoException(Errno.EINVAL, name + ": transmit: a frame of " + len + " bytes (MTU " + mtu
                    + (offloads.contains(Offload.SEGMENTATION) ? ", segmentation offload" : "") + ")");
        }
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (txLock) {
            while (true) {
                check();
                reclaim();
                if (freeTxTop > 0) {
                    break;
                }
                if (Thread.currentThread() == receiving) {
                    txRefusedOnReceive.incrementAndGet();
                    throw new ErrnoException(Errno.ENOBUFS, name + ": transmit: the ring is full, and the receive path does not wait for it");
                }
                txRingFullWaits.incrementAndGet();
                if (txq.enableInterrupts()) {
                    continue; // a slot came back meanwhile: no interrupt will say so
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    disconnectLocked("no transmit slot freed within " + timeoutNanos / 1_000_000 + " ms");
                    check();
                }
                txWaiters++;
                try {
                    txLock.wait(Math.max(1, Math.min(left / 1_000_000, 10)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ErrnoException(Errno.EINTR, name + ": transmit: interrupted");
                } finally {
                    txWaiters--;
                }
            }
            if (txWaiters == 0) {
                txq.disableInterrupts(); // reclaimed on the next transmit instead
            }
            int slot = freeTx[--freeTxTop];
            long at = txBase + (long) slot * txSlot;
            mem.zero(at, hdrSize);
            mem.slice(at + hdrSize, len).put(frame);
            if (!offloads.isEmpty()) {
                VirtioNetHeader.forTransmit(mem.slice(at, hdrSize + len).order(ByteOrder.BIG_ENDIAN), 0, hdrSize, len, mtu, true, ByteOrder.LITTLE_ENDIAN);
            }
            if (!txq.add(List.of(Segment.out(at, hdrSize + len)), slot)) {
                freeTx[freeTxTop++] = slot;
                throw new ErrnoException(Errno.ENOBUFS, name + ": transmit: ring full");
            }
            txFrames.incrementAndGet();
            if (txq.needsNotify()) {
                transport.notify(txq);
            }
        }
    }

    /** Takes back the slots the device has sent; caller holds txLock. */
    private void reclaim() throws ErrnoException {
        try {
            for (SplitQueue.Used u; (u = txq.poll()) != null;) {
                freeTx[freeTxTop++] = (Integer) u.token();
            }
        } catch (ErrnoException e) {
            disconnectLocked(e.detail());
            check();
        }
    }

    private void onTransmitted() {
        synchronized (txLock) {
            try {
                reclaim();
                if (txWaiters == 0) {
                    txq.disableInterrupts();
                }
            } catch (ErrnoException e) {
                // disconnected; waiters see it
            }
            txLock.notifyAll();
        }
    }

    private void onReceive() {
        synchronized (rxLock) {
            if (disconnected != null || closed) {
                return;
            }
            receiving = Thread.currentThread();
            try {
                boolean refilled = false;
                while (true) {
                    for (SplitQueue.Used u; (u = rxq.poll()) != null;) {
                        int buf = (Integer) u.token();
                        take(rxBase + (long) buf * RX_BUFFER, u.len());
                        rxq.add(List.of(Segment.in(rxBase + (long) buf * RX_BUFFER, RX_BUFFER)), buf);
                        refilled = true;
                    }
                    if (!rxq.enableInterrupts()) {
                        break;
                    }
                }
                if (refilled && rxq.needsNotify()) {
                    transport.notify(rxq);
                }
            } catch (ErrnoException e) {
                disconnect(e.detail());
            } finally {
                receiving = null;
            }
        }
    }

    /** One used receive buffer: a whole frame, the start of a merged one, or a part of it. */
    private void take(long gpa, int len) throws ErrnoException {
        if (mergeLeft > 0) {
            if (len > merging.remaining()) {
                abandonMerge();
                throw new ErrnoException(Errno.EIO, "merged frame longer than its MTU allows");
            }
            merging.put(mem.slice(gpa, len));
            if (--mergeLeft == 0) {
                deliver(merging.flip());
                merging = null;
            }
            return;
        }
        if (len < hdrSize + ETH_HLEN) {
            rxDropped.incrementAndGet();
            return;
        }
        ByteBuffer hdr = mem.slice(gpa, hdrSize);
        int buffers = hdrSize == HDR_SIZE && Virtio.has(features, F_MRG_RXBUF) ? hdr.getShort(HDR_NUM_BUFFERS) & 0xffff : 1;
        ByteBuffer first = mem.slice(gpa + hdrSize, len - hdrSize);
        if (buffers <= 1) {
            finishAndDeliver(mem.slice(gpa, len));
            return;
        }
        if (buffers > rxCount) {
            throw new ErrnoException(Errno.EIO, "frame in " + buffers + " buffers, the ring holds " + rxCount);
        }
        merging = ByteBuffer.allocate(hdrSize + ETH_HLEN + VLAN_HLEN + Math.max(mtu, 65535));
        merging.put(hdr.duplicate());
        merging.put(first);
        mergeLeft = buffers - 1;
    }

    private void abandonMerge() {
        merging = null;
        mergeLeft = 0;
        rxDropped.incrementAndGet();
    }

    private void deliver(ByteBuffer whole) {
        finishAndDeliver(whole.slice(0, whole.limit()));
    }

    /**
     * Hands a received frame up, {@code b} holding its header then the frame: a checksum the
     * device left to us is completed, or marked partial when the stack trusts the device
     * ({@link VirtioNetHeader#onReceive}); a header pointing outside the frame drops it.
     */
    private void finishAndDeliver(ByteBuffer b) {
        b.order(ByteOrder.BIG_ENDIAN); // the frame's fields are in network order; the header's are named to the helper
        int len = b.remaining() - hdrSize;
        if (!VirtioNetHeader.onReceive(b, 0, hdrSize, len, offloads.contains(Offload.RX_CHECKSUM), ByteOrder.LITTLE_ENDIAN)) {
            rxDropped.incrementAndGet();
            return;
        }
        ByteBuffer frame = b.slice(hdrSize, len);
        Receiver r = receiver;
        if (r == null) {
            rxDropped.incrementAndGet();
            return;
        }
        rxFrames.incrementAndGet();
        try {
            r.receive(frame);
        } catch (RuntimeException e) {
            rxFrames.decrementAndGet();
            rxDropped.incrementAndGet(); // the receiver's failure is its own: this thread must go on serving the device
        }
    }

    private void check() throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENXIO, name + ": device closed");
        }
        String d = disconnected;
        if (d != null) {
            throw new ErrnoException(Errno.EIO, name + ": " + d);
        }
    }

    private void disconnect(String why) {
        synchronized (txLock) {
            disconnectLocked(why);
        }
    }

    private void disconnectLocked(String why) {
        if (disconnected == null) {
            disconnected = "device disconnected: " + why;
            txq.breakQueue(why);
            rxq.breakQueue(why);
            txLock.notifyAll();
            transport.disconnect();
        }
    }

    @Override
    public void close() {
        synchronized (txLock) {
            if (closed) {
                return;
            }
            closed = true;
            txLock.notifyAll();
        }
        transport.disconnect();
        synchronized (rxLock) {
            synchronized (txLock) {
                transport.close();
            }
        }
    }

    @Override
    public String toString() {
        return "VirtioNet[" + name + ", " + transport.describe() + "]";
    }
}
