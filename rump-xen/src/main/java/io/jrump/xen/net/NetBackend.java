package io.jrump.xen.net;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import io.jrump.api.LeasedArrays;
import io.jrump.api.NetDevice.Offload;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.ring.BackRing;
import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.xenbus.BackendDevice;
import io.jrump.xen.xenbus.XenbusState;
import io.jrump.xen.xenstore.XenStoreClient;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A network backend for the emulated platform (the part a driver domain's netback plays on
 * Xen, with the bridge behind it), in copy mode: packets the frontend transmits are copied once
 * out of its granted pages (Xen's netback does one grant copy into its skb) into memory this
 * backend lends to a sink ({@link LentFrame}): the bridge passes it on without copying again,
 * and whoever keeps it retains its {@link FrameLease}; packets {@link #deliver}ed are copied
 * into the rx buffers the frontend posted. The sink and
 * the source of delivered packets are the backend's <em>wire</em>, described by the
 * {@link Offload}s it offers: a wire with {@code TX_CHECKSUM} takes partial checksums, one with
 * {@code RX_CHECKSUM} delivers frames that never left memory (a zero TCP/UDP checksum on them
 * is jrump's partial mark), one with {@code SEGMENTATION} carries TCP segments past the MTU.
 * Two backends whose sinks deliver to each other make a cable between two frontends.
 *
 * <p>xenbus from the backend side: publish {@code feature-rx-copy}, {@code feature-sg},
 * {@code feature-gso-tcpv4} (when the wire carries large segments) and the MAC and go
 * InitWait; when the frontend is Connected (or Initialised), require {@code request-rx-copy},
 * read what it can receive ({@code feature-sg}, {@code feature-gso-tcpv4},
 * {@code feature-no-csum-offload}), map both rings, bind the event channel and go Connected;
 * when the frontend goes Closing, unmap and go Closed.
 *
 * <p>Transmit: a packet is a chain of tx requests ({@code NETTXF_more_data}), the first
 * carrying the whole size, optionally followed by extra-info slots (GSO). Every request is
 * checked before a page is read: at most {@link Netif#MAX_SLOTS} slots, each inside its page,
 * fragment sizes that add up to the first's, at most a full frame unless GSO was offered and
 * given, grants the frontend really gave; a bad packet is answered {@code NETIF_RSP_ERROR} in
 * every slot, a chain longer than the limit stops the backend. {@code csum_blank} is completed
 * here unless the wire takes partial checksums. Receive: a frame takes as many rx buffers as
 * it needs pages (only for a frontend with {@code feature-sg}), plus an extra-info slot for a
 * large TCP segment (only with its {@code feature-gso-tcpv4}); frames arriving while too few
 * rx buffers are posted wait in a bounded queue ({@link RxQueue}) until the frontend posts
 * more, and are dropped and counted past its bound. Impossible ring indexes stop the backend
 * (Closing).
 */
public final class NetBackend extends BackendDevice {
    /**
     * Frame-sized arrays kept for transmitted packets: one ring's worth of small packets (ACKs
     * and requests arrive in bursts of up to 256) costs under 400 KiB.
     */
    static final int KEPT_FRAMES = 256;
    /**
     * 64 KiB arrays kept for transmitted GSO packets: a ring holds 15 of 17 slots, and a
     * receiver's default TCP receive buffer (2 MiB) may hold 32 of them by reference.
     */
    static final int KEPT_SEGMENTS = 48;
    private final Set<Offload> wire;
    /** Memory for transmitted frames up to a full frame, and for larger TCP segments (a wire with SEGMENTATION). */
    private final LeasedArrays txFrames;
    private final LeasedArrays txSegments;
    private volatile Consumer<ByteBuffer> sink;
    private GrantMapper.Mapping txMapping;
    private GrantMapper.Mapping rxMapping;
    private BackRing<NetTxRequest, NetTxResponse> tx;
    private BackRing<NetRxRequest, NetRxResponse> rx;
    /** What the frontend said it can receive. */
    private boolean frontSg;
    private boolean frontGso;
    private boolean frontCsum;
    /** The tx chain being read: its requests so far (the first one carries the packet's size), and its GSO extra. */
    private final List<NetTxRequest> chain = new ArrayList<>(Netif.MAX_SLOTS);
    private int chainExtras;
    private boolean chainExtraPending;
    private NetExtra chainGso;
    private long txPackets;
    private long txErrors;
    private long rxFrames;
    private long rxDropped;
    /** Frames waiting for the frontend to post rx buffers; guarded by this. */
    private final RxQueue rxQueue = new RxQueue();

    private NetBackend(XenStoreClient xs, Hypervisor hv, String backend, String frontend, int frontendId, Set<Offload> wire,
            Consumer<ByteBuffer> sink) {
        super(xs, hv, backend, frontend, frontendId);
        this.wire = wire;
        this.sink = sink;
        this.txFrames = new LeasedArrays(Netif.MAX_FRAME, KEPT_FRAMES);
        this.txSegments = wire.contains(Offload.SEGMENTATION) ? new LeasedArrays(Netif.MAX_TX_SIZE, KEPT_SEGMENTS) : null;
    }

    /** {@link #create(XenStoreClient, Hypervisor, int, int, String, Set, Consumer)} with a wire that offers nothing. */
    public static NetBackend create(XenStoreClient xs, Hypervisor hv, int frontendId, int devid, String mac, Consumer<ByteBuffer> sink)
            throws ErrnoException {
        return create(xs, hv, frontendId, devid, mac, Set.of(), sink);
    }

    /**
     * Creates the device's nodes as a toolstack does and starts serving vif {@code devid} of
     * domain {@code frontendId} from domain {@code hv.domid()}.
     *
     * @param mac the frontend's MAC, {@code aa:bb:cc:dd:ee:ff}
     * @param wire the offloads of the wire behind the backend (see the class note)
     * @param sink where transmitted frames go, called on the backend's event thread; each frame
     *     is this backend's copy out of the frontend's pages, in memory it lends for the call
     *     (the frame's array and {@link FrameLease} are {@linkplain FrameLease#sending named}
     *     meanwhile): the sink may hand it on with {@link io.jrump.api.NetDevice#transmitTaken},
     *     and keeps it past the call only by retaining the lease {@link FrameLease#of} names,
     *     since the backend fills the array again once the lease is free
     */
    public static NetBackend create(XenStoreClient xs, Hypervisor hv, int frontendId, int devid, String mac, Set<Offload> wire,
            Consumer<ByteBuffer> sink) throws ErrnoException {
        NetFront.parseMac(mac, "netback");
        String backend = "/local/domain/" + hv.domid() + "/backend/vif/" + frontendId + "/" + devid;
        String frontend = "/local/domain/" + frontendId + "/device/vif/" + devid;
        boolean gso = wire.contains(Offload.SEGMENTATION);
        xs.transaction(t -> {
            t.write(frontend + "/backend", backend);
            t.write(frontend + "/backend-id", Integer.toString(hv.domid()));
            t.write(frontend + "/handle", Integer.toString(devid));
            t.write(frontend + "/mac", mac);
            t.write(frontend + "/state", XenbusState.INITIALISING.text());
            t.write(backend + "/frontend", frontend);
            t.write(backend + "/frontend-id", Integer.toString(frontendId));
            t.write(backend + "/handle", Integer.toString(devid));
            t.write(backend + "/mac", mac);
            t.write(backend + "/feature-rx-copy", "1");
            t.write(backend + "/feature-rx-flip", "0");
            t.write(backend + "/feature-sg", "1");
            t.write(backend + "/feature-gso-tcpv4", gso ? "1" : "0");
            t.write(backend + "/state", XenbusState.INIT_WAIT.text());
            return null;
        });
        NetBackend b = new NetBackend(xs, hv, backend, frontend, frontendId, Set.copyOf(wire), sink);
        b.start();
        return b;
    }

    /** Replaces where transmitted frames go (see {@link #create(XenStoreClient, Hypervisor, int, int, String, Set, Consumer)}). */
    public void sink(Consumer<ByteBuffer> sink) {
        this.sink = sink;
    }

    /** Frames taken from the frontend, tx packets refused, frames delivered to it, frames dropped (queue full, too large, refused). */
    public synchronized long[] counters() {
        return new long[] {txPackets, txErrors, rxFrames, rxDropped};
    }

    @Override
    protected String kind() {
        return "netback";
    }

    @Override
    protected void attach() throws ErrnoException {
        if (!flag(frontend + "/request-rx-copy", false)) {
            throw new ErrnoException(Errno.EPROTONOSUPPORT, "netback " + backend + ": frontend does not request rx-copy");
        }
        frontSg = flag(frontend + "/feature-sg", false);
        frontGso = frontSg && flag(frontend + "/feature-gso-tcpv4", false);
        frontCsum = !flag(frontend + "/feature-no-csum-offload", false);
        int txRef = number(frontend + "/tx-ring-ref");
        int rxRef = number(frontend + "/rx-ring-ref");
        txMapping = hv.grantMapper().map(frontendId, txRef, true);
        rxMapping = hv.grantMapper().map(frontendId, rxRef, true);
        tx = new BackRing<>(new SharedRing(txMapping.page(), Netif.TX_SLOT), NetTxRequest.CODEC, NetTxResponse.CODEC);
        rx = new BackRing<>(new SharedRing(rxMapping.page(), Netif.RX_SLOT), NetRxRequest.CODEC, NetRxResponse.CODEC);
        chain.clear();
        chainExtraPending = false;
    }

    @Override
    protected void detach() {
        if (txMapping != null) {
            txMapping.close();
            txMapping = null;
        }
        if (rxMapping != null) {
            rxMapping.close();
            rxMapping = null;
        }
        tx = null;
        rx = null;
        rxDropped += rxQueue.clear();
    }

    /** Takes every transmitted packet and answers; the frames go to the sink after the lock is released. */
    @Override
    protected Runnable serve() throws ErrnoException {
        List<LentFrame> frames = new ArrayList<>();
        try {
            do {
                int n = tx.unconsumedRequests();
                for (int i = 0; i < n; i++) {
                    slot(frames);
                }
                if (n > 0 && tx.pushResponses()) {
                    channel().notifyPeer();
                }
            } while (tx.finalCheckForRequests());
            if (!rxQueue.isEmpty()) {
                drain(); // the kick may be the frontend posting rx buffers that queued frames wait for
                if (rx.pushResponses()) {
                    channel().notifyPeer();
                }
            }
        } catch (ErrnoException | RuntimeException e) {
            frames.forEach(LentFrame::drop);
            throw e;
        }
        Consumer<ByteBuffer> s = sink;
        if (s == null || frames.isEmpty()) {
            frames.forEach(LentFrame::drop);
            return null;
        }
        return () -> {
            int i = 0;
            try {
                for (; i < frames.size(); i++) {
                    LentFrame f = frames.get(i);
                    f.handOver(() -> s.accept(f.frame()));
                }
            } finally {
                for (i++; i < frames.size(); i++) {
                    frames.get(i).drop(); // the sink threw: the rest are lost, their memory free again
                }
            }
        };
    }

    /** Reads one tx slot: a packet's request or an extra-info slot; answers the packet when its chain ends. */
    private void slot(List<LentFrame> frames) throws ErrnoException {
        if (chainExtraPending) {
            NetExtra e = tx.take(NetExtra.CODEC);
            tx.put(new NetTxResponse(chain.get(0).id(), Netif.RSP_NULL));
            if (++chainExtras > Netif.XEN_NETIF_EXTRA_TYPE_MAX) {
                throw new ErrnoException(Errno.EIO, "netback " + backend + ": more than " + Netif.XEN_NETIF_EXTRA_TYPE_MAX + " extra-info slots");
            }
            if (e.type() == Netif.XEN_NETIF_EXTRA_TYPE_GSO) {
                chainGso = e;
            }
            chainExtraPending = e.more();
        } else {
            NetTxRequest r = tx.take();
            if (chain.size() == Netif.MAX_SLOTS) {
                throw new ErrnoException(Errno.EIO, "netback " + backend + ": a tx packet of more than " + Netif.MAX_SLOTS + " slots");
            }
            chain.add(r);
            if (chain.size() == 1) {
                chainExtras = 0;
                chainGso = null;
                chainExtraPending = (r.flags() & Netif.NETTXF_EXTRA_INFO) != 0;
            }
        }
        NetTxRequest last = chain.get(chain.size() - 1);
        if (chainExtraPending || (last.flags() & Netif.NETTXF_MORE_DATA) != 0) {
            return;
        }
        short status = packet(frames);
        for (NetTxRequest q : chain) {
            tx.put(new NetTxResponse(q.id(), status));
        }
        chain.clear();
    }

    /** Checks and copies the complete chain; the status every slot of it is answered with. */
    private short packet(List<LentFrame> frames) {
        NetTxRequest first = chain.get(0);
        int total = first.size();
        int rest = 0;
        for (int i = 1; i < chain.size(); i++) {
            rest += chain.get(i).size();
        }
        int firstSize = total - rest;
        boolean gso = chainGso != null;
        int max = gso ? Netif.MAX_TX_SIZE : Netif.MAX_FRAME;
        boolean ok = total >= Netif.ETH_HEADER && total <= max && firstSize > 0 && first.offset() + firstSize <= Netif.PAGE_SIZE
                && (!gso || (wire.contains(Offload.SEGMENTATION) && chainGso.gsoType() == Netif.XEN_NETIF_GSO_TYPE_TCPV4));
        for (int i = 1; ok && i < chain.size(); i++) {
            NetTxRequest q = chain.get(i);
            ok = q.size() > 0 && q.offset() + q.size() <= Netif.PAGE_SIZE;
        }
        if (!ok) {
            txErrors++;
            return Netif.RSP_ERROR;
        }
        LentFrame lent = LentFrame.take(total <= Netif.MAX_FRAME ? txFrames : txSegments, total);
        short status = copy(lent.frame(), firstSize, first.flags(), gso);
        if (status == Netif.RSP_OKAY) {
            frames.add(lent);
            txPackets++;
        } else {
            lent.drop();
            txErrors++;
        }
        return status;
    }

    /** Copies the checked chain into {@code f} (its whole size) and completes or marks its checksum. */
    private short copy(ByteBuffer f, int firstSize, int flags, boolean gso) {
        int total = f.limit();
        for (int i = 0, at = 0; i < chain.size(); i++) {
            NetTxRequest q = chain.get(i);
            int size = i == 0 ? firstSize : q.size();
            try (GrantMapper.Mapping m = hv.grantMapper().map(frontendId, q.gref(), false)) {
                f.put(at, m.page(), q.offset(), size);
                at += size;
            } catch (ErrnoException e) {
                return Netif.RSP_ERROR;
            }
        }
        if ((flags & Netif.NETTXF_CSUM_BLANK) != 0) {
            int at = NetChecksum.field(f, total);
            if (at < 0) {
                return Netif.RSP_ERROR; // nothing this backend knows how to complete
            }
            if (wire.contains(Offload.TX_CHECKSUM)) {
                f.putShort(at, (short) 0); // the partial mark the wire takes
            } else {
                NetChecksum.complete(f, total, at);
            }
        }
        if (gso && !NetChecksum.isTcpv4(f, total)) {
            return Netif.RSP_ERROR;
        }
        return Netif.RSP_OKAY;
    }

    /**
     * Copies {@code frame} into the rx buffers the frontend posted and notifies it; when too
     * few are posted (or frames queued before it still wait), queues a copy until the frontend
     * posts more ({@link RxQueue}). Drops and counts it when the device is not connected, the
     * queue is full, or the frontend cannot take it (more than a page without
     * {@code feature-sg}, more than a frame but not a TCP segment it takes as GSO). The frame
     * is not changed.
     *
     * @return whether the frame was delivered or queued
     */
    public boolean deliver(ByteBuffer frame) {
        boolean notify = false;
        boolean taken = false;
        synchronized (this) {
            ByteBuffer f = frame.slice();
            int len = f.remaining();
            try {
                if (!isConnected() || rx == null || !receivable(f, len)) {
                    rxDropped++;
                    return false;
                }
                if (rxQueue.isEmpty() && rx.unconsumedRequests() >= slots(len)) {
                    taken = toFrontend(f, len);
                } else {
                    taken = rxQueue.offer(f);
                    if (!taken) {
                        rxDropped++;
                    }
                    drain();
                }
                notify = rx.pushResponses();
            } catch (ErrnoException e) {
                fail(e.getMessage());
            }
        }
        if (failure() != null) {
            closeRetired();
            return false;
        }
        if (notify) {
            EventChannel ch = channel();
            if (ch != null) {
                try {
                    ch.notifyPeer();
                } catch (ErrnoException e) {
                    // the frontend is gone; it finds the frame when it looks again, or never
                }
            }
        }
        return taken;
    }

    /** Whether the frontend can take a frame of {@code len} bytes at all (see {@link #deliver}). */
    private boolean receivable(ByteBuffer f, int len) {
        boolean gso = len > Netif.MAX_FRAME;
        return len >= Netif.ETH_HEADER && len <= Netif.MAX_RX_PACKET && (len <= Netif.PAGE_SIZE || frontSg)
                && (!gso || frontGso && NetChecksum.isTcpv4(f, len));
    }

    /** rx ring slots a frame of {@code len} bytes takes: a page each, and an extra-info slot for a GSO packet. */
    private static int slots(int len) {
        return (len + Netif.PAGE_SIZE - 1) / Netif.PAGE_SIZE + (len > Netif.MAX_FRAME ? 1 : 0);
    }

    /**
     * Moves queued frames to the frontend, oldest first, while it has buffers for them; when
     * one is left waiting, asks the frontend to notify when it has posted enough (the frontend
     * posts buffers in batches, and the kick runs {@link #serve}, which comes back here). Under
     * the lock; the caller pushes the responses.
     */
    private void drain() throws ErrnoException {
        while (!rxQueue.isEmpty()) {
            ByteBuffer f = rxQueue.peek();
            int len = f.limit();
            if (!rx.finalCheckForRequests(slots(len))) {
                return;
            }
            toFrontend(f, len);
            rxQueue.remove();
        }
    }

    /**
     * Copies a frame the frontend can take (see {@link #receivable}) into as many of its posted
     * rx buffers as it needs (the caller checked they are there) and writes the responses.
     * Counts it delivered, or dropped when a buffer could not be mapped (answered with an error).
     * Under the lock.
     */
    private boolean toFrontend(ByteBuffer f, int len) throws ErrnoException {
        boolean gso = len > Netif.MAX_FRAME;
        int pages = (len + Netif.PAGE_SIZE - 1) / Netif.PAGE_SIZE;
        int flags = 0;
        int at = NetChecksum.field(f, len);
        int patch = -1;
        if (wire.contains(Offload.RX_CHECKSUM)) {
            flags = Netif.NETRXF_DATA_VALIDATED;
            if (at >= 0 && f.getShort(at) == 0) {
                flags |= frontCsum ? Netif.NETRXF_CSUM_BLANK : 0;
                patch = frontCsum ? NetChecksum.pseudo(f, len) : NetChecksum.computed(f, len);
            }
        }
        boolean ok = true;
        for (int i = 0, done = 0; i < pages; i++) {
            NetRxRequest q = rx.take();
            int n = Math.min(Netif.PAGE_SIZE, len - done);
            short s = (short) n;
            try (GrantMapper.Mapping m = hv.grantMapper().map(frontendId, q.gref(), true)) {
                m.page().put(0, f, done, n);
                if (patch >= 0 && at >= done && at < done + n) {
                    m.page().putShort(at - done, (short) patch);
                }
            } catch (ErrnoException e) {
                s = Netif.RSP_ERROR;
                ok = false;
            }
            int more = i + 1 < pages ? Netif.NETRXF_MORE_DATA : 0;
            rx.put(new NetRxResponse(q.id(), 0, (i == 0 ? flags | (gso ? Netif.NETRXF_EXTRA_INFO : 0) : 0) | more, s));
            if (i == 0 && gso) {
                rx.take();
                rx.put(NetExtra.CODEC, NetExtra.gsoTcpv4(NetChecksum.mss(f, Netif.MTU)));
            }
            done += n;
        }
        if (ok) {
            rxFrames++;
        } else {
            rxDropped++;
        }
        return ok;
    }
}
