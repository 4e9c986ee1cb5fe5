package io.jrump.xen.net;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantedPage;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.ring.FrontRing;
import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.xenbus.FrontendLink;
import io.jrump.xen.xenbus.XenbusState;
import io.jrump.xen.xenstore.XenStoreClient;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Xen's paravirtual network frontend as a {@link NetDevice}, in copy mode
 * ({@code request-rx-copy}), with multi-slot packets, checksum offload and GSO.
 *
 * <p>Connection follows {@code xen/include/public/io/netif.h}: wait for the backend's InitWait,
 * require {@code feature-rx-copy}, grant a tx and an rx ring page and allocate one event
 * channel, post a granted page per rx slot, then publish {@code tx-ring-ref},
 * {@code rx-ring-ref}, {@code event-channel}, {@code request-rx-copy},
 * {@code feature-rx-notify}, {@code feature-sg} and {@code feature-gso-tcpv4} (this frontend
 * takes multi-slot and GSO packets) and go Connected in one transaction, and wait for the
 * backend's Connected. The MAC comes from the device's {@code mac} node (the toolstack writes
 * it in the frontend's directory; the backend's is the fallback). The link is up while both
 * ends are Connected.
 *
 * <p>Offloads, mapped to the {@link NetDevice} contract: {@code RX_CHECKSUM} always (see
 * {@link RxChain} for how the rx flags become the stack's partial mark); {@code TX_CHECKSUM}
 * unless the backend says {@code feature-no-csum-offload}: a frame whose TCP/UDP checksum the
 * stack left partial goes with {@code NETTXF_csum_blank | NETTXF_data_validated} and the
 * pseudo-header sum in the field, as Linux's netback expects; {@code SEGMENTATION} when the
 * backend offers {@code feature-sg} and {@code feature-gso-tcpv4} too: a TCP segment past the
 * MTU (up to {@code XEN_NETIF_MAX_TX_SIZE}) goes as a chain of page-sized slots
 * ({@code NETTXF_more_data}) after a GSO extra-info slot whose size is what fits the MTU.
 *
 * <p>Transmit: each tx id owns a page granted read-only to the backend at connect; a packet is
 * copied into the pages of the ids it takes (the one copy on this side, as Linux's netfront
 * copies a linear skb head into a granted page), which are free again when their responses
 * come. Requests are pushed per packet and the backend is notified only when its
 * {@code req_event} asks for it ({@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}): while it is
 * still working through the ring, a burst of packets costs no notification. Tx responses are
 * consumed whenever the channel fires and when a transmitter runs short of ids, and a
 * notification for them is asked for ({@code rsp_event}) only while a transmitter waits, as
 * Linux's netfront defers its tx garbage collection: a stream's completions then wake nobody.
 *
 * <p>Receive, in place: every rx slot owns one page granted at connect. When a response comes,
 * the backend's access to its page is suspended ({@link io.jrump.xen.hv.GrantTable#suspendAccess},
 * as Linux's netfront ends the grant), so the backend cannot change the bytes while the stack
 * reads them; a packet in one such slot is handed to the receiver as a read-only view of its
 * page, without a copy. A page the backend still has mapped, or a platform that cannot suspend
 * grants, means a copy, as does a packet of several slots (put together in an array reused
 * once its batch is delivered, see {@link RxChain}). Responses are taken in batches of up to
 * {@link #RX_BUDGET} packets under the lock; the batch is delivered with the lock released,
 * and only then are its pages posted again, together, with one push (and a notification only
 * if the backend asks for one). So a frame is valid for the length of the receive call, as
 * {@link NetDevice.Receiver} says, and never after: the backend cannot write a page before
 * the call that reads it has returned. The pages of a packet whose slots have not all arrived
 * stay unposted until it ends.
 *
 * <p>The backend is not trusted. A bad rx packet (see {@link RxChain}) is dropped and counted,
 * its buffers reposted. A response whose id is not in flight, impossible ring indexes, a chain
 * longer than {@link Netif#MAX_SLOTS}, a transmit slot unanswered for the timeout, or the
 * backend leaving Connected disconnects the device: the link goes down and {@link #transmit}
 * fails with EIO.
 */
public final class NetFront implements NetDevice {
    /**
     * Packets taken from the rx ring before they are delivered and their pages posted again
     * (Linux's netfront has a NAPI budget of 64 too): large enough that a burst costs one
     * push, small enough that the backend gets buffers back while the burst is delivered.
     */
    static final int RX_BUDGET = 64;
    private final XenStoreClient xs;
    private final Hypervisor hv;
    private final String frontend;
    private final String backend;
    private final int backendId;
    private final Duration ioTimeout;
    private final FrontendLink link;
    private final GrantedPage txRingPage;
    private final GrantedPage rxRingPage;
    private final EventChannel channel;
    private final FrontRing<NetTxRequest, NetTxResponse> tx;
    private final FrontRing<NetRxRequest, NetRxResponse> rx;
    /** Per tx id: its page, granted read-only to the backend for the device's life. */
    private final GrantedPage[] txPages;
    private final boolean[] txInFlight;
    private final ArrayDeque<Integer> txFree = new ArrayDeque<>();
    private final GrantedPage[] rxPages;
    private final boolean[] rxPosted;
    /** Per rx id: whether the backend's access to its page is suspended until it is posted again. */
    private final boolean[] rxSuspended;
    private final RxChain chain = new RxChain();
    /** rx ids (taken, not posted) whose pages the packet being put together reads. Guarded by this. */
    private final List<Integer> chainIds = new ArrayList<>(Netif.MAX_SLOTS);
    /** Transmitters waiting for tx ids or slots; guarded by this. */
    private int txWaiting;
    /** Whether the delivery thread is handing a batch to the receiver; guarded by this. */
    private boolean delivering;
    private byte[] mac;
    private Set<Offload> offloads = Set.of(Offload.RX_CHECKSUM);
    private volatile Receiver receiver;
    private long txFrames;
    private long txDropped;
    private long txErrors;
    private long rxFrames;
    private long rxDropped;
    /** Why the device is unusable, or null; guarded by this. */
    private String broken;
    private boolean closed;

    private NetFront(XenStoreClient xs, Hypervisor hv, FrontendLink link, Duration ioTimeout, GrantedPage txRingPage, GrantedPage rxRingPage,
            EventChannel channel) {
        this.xs = xs;
        this.hv = hv;
        this.link = link;
        this.frontend = link.frontend();
        this.backend = link.backend();
        this.backendId = link.backendId();
        this.ioTimeout = ioTimeout;
        this.txRingPage = txRingPage;
        this.rxRingPage = rxRingPage;
        this.channel = channel;
        SharedRing t = new SharedRing(txRingPage.page(), Netif.TX_SLOT);
        t.init();
        SharedRing r = new SharedRing(rxRingPage.page(), Netif.RX_SLOT);
        r.init();
        this.tx = new FrontRing<>(t, NetTxRequest.CODEC, NetTxResponse.CODEC);
        this.rx = new FrontRing<>(r, NetRxRequest.CODEC, NetRxResponse.CODEC);
        this.txPages = new GrantedPage[tx.size()];
        this.txInFlight = new boolean[tx.size()];
        this.rxPages = new GrantedPage[rx.size()];
        this.rxPosted = new boolean[rx.size()];
        this.rxSuspended = new boolean[rx.size()];
    }

    /**
     * Connects the frontend whose xenstore directory is {@code frontend}
     * ({@code /local/domain/<domid>/device/vif/<devid>}) to its backend.
     *
     * @param ioTimeout how long a transmitted frame may go unanswered before the device is declared dead
     */
    public static NetFront connect(XenStoreClient xs, Hypervisor hv, String frontend, Duration ioTimeout) throws ErrnoException {
        FrontendLink link = FrontendLink.open(xs, "netfront", frontend);
        String backend = link.backend();
        int backendId = link.backendId();
        List<GrantedPage> granted = new ArrayList<>();
        EventChannel ch = null;
        try {
            if (!link.backendFlag("feature-rx-copy")) {
                throw new ErrnoException(Errno.ENODEV, "netfront " + frontend + ": backend " + backend + " does not offer feature-rx-copy");
            }
            String macText = link.optional(frontend + "/mac", null);
            byte[] mac = parseMac(macText != null ? macText : xs.read(backend + "/mac"), frontend);
            GrantedPage txRing = hv.grantTable().grant(backendId, false);
            granted.add(txRing);
            GrantedPage rxRing = hv.grantTable().grant(backendId, false);
            granted.add(rxRing);
            ch = hv.eventChannels().allocUnbound(backendId);
            NetFront f = new NetFront(xs, hv, link, ioTimeout, txRing, rxRing, ch);
            f.mac = mac;
            f.offloads = offloads(link);
            for (int i = 0; i < f.txPages.length; i++) {
                f.txPages[i] = hv.grantTable().grant(backendId, true);
                granted.add(f.txPages[i]);
                f.txFree.add(i);
            }
            for (int i = 0; i < f.rxPages.length; i++) {
                f.rxPages[i] = hv.grantTable().grant(backendId, false);
                granted.add(f.rxPages[i]);
                f.post(i);
            }
            f.rx.pushRequests();
            f.handshake();
            return f;
        } catch (ErrnoException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            for (GrantedPage p : granted) {
                try {
                    hv.grantTable().endAccess(p);
                } catch (ErrnoException x) {
                    e.addSuppressed(x);
                }
            }
            link.abandon(e);
            throw e;
        }
    }

    private void handshake() throws ErrnoException {
        channel.handler(this::responses);
        xs.transaction(t -> {
            t.write(frontend + "/tx-ring-ref", Integer.toString(txRingPage.ref()));
            t.write(frontend + "/rx-ring-ref", Integer.toString(rxRingPage.ref()));
            t.write(frontend + "/event-channel", Integer.toString(channel.port()));
            t.write(frontend + "/request-rx-copy", "1");
            t.write(frontend + "/feature-rx-notify", "1");
            t.write(frontend + "/feature-sg", "1");
            t.write(frontend + "/feature-gso-tcpv4", "1");
            t.write(frontend + "/state", XenbusState.CONNECTED.text());
            return null;
        });
        link.awaitConnected();
        channel.unmask();
        link.onBackendLost(this::disconnect);
    }

    /** What the backend lets this device offer the stack (see the class note). */
    private static Set<Offload> offloads(FrontendLink link) throws ErrnoException {
        EnumSet<Offload> o = EnumSet.of(Offload.RX_CHECKSUM);
        if (!link.backendFlag("feature-no-csum-offload")) {
            o.add(Offload.TX_CHECKSUM);
            if (link.backendFlag("feature-sg") && link.backendFlag("feature-gso-tcpv4")) {
                o.add(Offload.SEGMENTATION);
            }
        }
        return Set.copyOf(o);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff}. */
    static byte[] parseMac(String s, String frontend) throws ErrnoException {
        String[] parts = s.strip().split(":");
        byte[] m = new byte[6];
        if (parts.length != 6) {
            throw new ErrnoException(Errno.EINVAL, "netfront " + frontend + ": mac '" + s + "' is not six bytes");
        }
        for (int i = 0; i < 6; i++) {
            if (parts[i].length() != 2) {
                throw new ErrnoException(Errno.EINVAL, "netfront " + frontend + ": mac '" + s + "'");
            }
            try {
                m[i] = (byte) Integer.parseInt(parts[i], 16);
            } catch (NumberFormatException e) {
                throw new ErrnoException(Errno.EINVAL, "netfront " + frontend + ": mac '" + s + "'");
            }
        }
        return m;
    }

    /** Puts rx buffer {@code id} on the ring (not yet pushed); its page holds no frame until the backend answers. */
    private void post(int id) {
        rx.put(new NetRxRequest(id, rxPages[id].ref()));
        rxPosted[id] = true;
    }

    @Override
    public byte[] macAddress() {
        return mac.clone();
    }

    @Override
    public int mtu() {
        return Netif.MTU;
    }

    @Override
    public Set<Offload> offloads() {
        return offloads;
    }

    @Override
    public void receiver(Receiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public synchronized boolean isLinkUp() {
        return broken == null && link.backendState() == XenbusState.CONNECTED;
    }

    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        ByteBuffer f = frame.slice();
        int len = f.remaining();
        boolean gso = len > Netif.MAX_FRAME;
        if (len < Netif.ETH_HEADER || len > Netif.MAX_TX_SIZE || (gso && !(offloads.contains(Offload.SEGMENTATION) && NetChecksum.isTcpv4(f, len)))) {
            synchronized (this) {
                txDropped++;
            }
            frame.position(frame.limit());
            return;
        }
        int flags = 0;
        int at = NetChecksum.field(f, len);
        int pseudo = -1;
        if (at >= 0 && f.getShort(at) == 0 && offloads.contains(Offload.TX_CHECKSUM)) {
            flags = Netif.NETTXF_CSUM_BLANK | Netif.NETTXF_DATA_VALIDATED;
            pseudo = NetChecksum.pseudo(f, len);
        }
        int slots = (len + Netif.PAGE_SIZE - 1) / Netif.PAGE_SIZE;
        boolean notify;
        synchronized (this) {
            acquireTx(slots, slots + (gso ? 1 : 0));
            for (int i = 0, done = 0; i < slots; i++) {
                int id = txFree.poll();
                int n = Math.min(Netif.PAGE_SIZE, len - done);
                ByteBuffer page = txPages[id].page();
                page.put(0, f, done, n);
                if (pseudo >= 0 && at >= done && at < done + n) {
                    page.putShort(at - done, (short) pseudo);
                }
                txInFlight[id] = true;
                int more = i + 1 < slots ? Netif.NETTXF_MORE_DATA : 0;
                if (i == 0) {
                    tx.put(new NetTxRequest(txPages[id].ref(), 0, flags | more | (gso ? Netif.NETTXF_EXTRA_INFO : 0), id, len));
                    if (gso) {
                        tx.put(NetExtra.CODEC, NetExtra.gsoTcpv4(NetChecksum.mss(f, Netif.MTU)));
                    }
                } else {
                    tx.put(new NetTxRequest(txPages[id].ref(), 0, more, id, n));
                }
                done += n;
            }
            notify = tx.pushRequests();
            txFrames++;
        }
        frame.position(frame.limit());
        if (notify) {
            channel.notifyPeer();
        }
    }

    /**
     * Waits until {@code ids} tx ids and {@code slots} ring slots are free. Meanwhile consumes
     * tx responses on this thread too (so a receiver that transmits from the delivery thread
     * cannot wait on itself) and waits up to the timeout. Caller holds the lock.
     */
    private void acquireTx(int ids, int slots) throws ErrnoException {
        long deadline = System.nanoTime() + ioTimeout.toNanos();
        while (true) {
            checkUsable("transmit");
            if (txFree.size() >= ids && tx.free() >= slots) {
                return;
            }
            try {
                txResponses();
            } catch (ErrnoException e) {
                disconnect(e.getMessage());
                continue;
            }
            if (txFree.size() >= ids && tx.free() >= slots) {
                continue;
            }
            try {
                if (tx.finalCheckForResponses()) {
                    continue; // asked for a notification of the next response, and one came meanwhile
                }
            } catch (ErrnoException e) {
                disconnect(e.getMessage());
                continue;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                disconnect("no tx response for " + ioTimeout.toMillis() + " ms");
                continue;
            }
            txWaiting++;
            try {
                wait(Math.max(1, Math.min(10, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, "netfront " + frontend + ": transmit interrupted");
            } finally {
                txWaiting--;
            }
        }
    }

    private void checkUsable(String what) throws ErrnoException {
        if (broken != null) {
            throw new ErrnoException(Errno.EIO, "netfront " + frontend + ": " + what + ": disconnected: " + broken);
        }
    }

    /** Consumes tx responses: frees each slot's id. Caller holds the lock. */
    private void txResponses() throws ErrnoException {
        int n = tx.unconsumedResponses();
        for (int i = 0; i < n; i++) {
            NetTxResponse r = tx.take();
            if (r.status() == Netif.RSP_NULL) {
                continue; // the answer to an extra-info slot
            }
            int id = r.id();
            if (id >= txInFlight.length || !txInFlight[id]) {
                throw new ErrnoException(Errno.EIO, "tx response with id " + id + " that is not in flight");
            }
            if (r.status() != Netif.RSP_OKAY) {
                txErrors++;
            }
            txInFlight[id] = false;
            txFree.add(id);
        }
    }

    /**
     * The event channel handler: tx completions, then received packets in batches (see the
     * class note), each ring with the final check.
     */
    private void responses() {
        while (true) {
            List<ByteBuffer> frames = new ArrayList<>();
            List<Integer> done = new ArrayList<>();
            boolean more;
            synchronized (this) {
                if (broken != null) {
                    return;
                }
                try {
                    txResponses();
                    while (txWaiting > 0 && tx.finalCheckForResponses()) {
                        txResponses();
                    }
                    more = rxBatch(frames, done);
                } catch (ErrnoException e) {
                    disconnect(e.getMessage());
                    more = false;
                } catch (RuntimeException e) {
                    disconnect("netfront " + frontend + ": " + e); // a bug here must not leave transmitters waiting
                    more = false;
                }
                delivering = !done.isEmpty();
                notifyAll();
            }
            if (done.isEmpty()) {
                return;
            }
            Receiver r = receiver;
            try {
                if (r != null) {
                    for (ByteBuffer f : frames) {
                        r.receive(f);
                    }
                }
            } finally {
                repost(done);
            }
            if (!more) {
                return;
            }
        }
    }

    /**
     * Takes rx slots until {@link #RX_BUDGET} packets are complete or none are left, then asks
     * for a notification of the next ({@code RING_FINAL_CHECK_FOR_RESPONSES}). The packets go to
     * {@code frames}; the ids whose pages they (or dropped packets) used go to {@code done}, to
     * be posted after delivery. Caller holds the lock.
     *
     * @return whether responses are left for another batch
     */
    private boolean rxBatch(List<ByteBuffer> frames, List<Integer> done) throws ErrnoException {
        int packets = 0;
        do {
            int n = rx.unconsumedResponses();
            for (int i = 0; i < n; i++) {
                if (rxSlot(frames)) {
                    done.addAll(chainIds);
                    chainIds.clear();
                    if (++packets == RX_BUDGET) {
                        return true;
                    }
                }
            }
        } while (rx.finalCheckForResponses());
        return false;
    }

    /**
     * Consumes one rx response slot (a fragment, or an extra-info entry in the slot of the
     * request posted there), whose id joins the packet's. Caller holds the lock.
     *
     * @return whether it ended a packet
     */
    private boolean rxSlot(List<ByteBuffer> frames) throws ErrnoException {
        boolean end;
        if (chain.expectsExtra()) {
            int id = rx.responseIndex() & (rxPosted.length - 1);
            NetExtra e = rx.take(NetExtra.CODEC);
            taken(id);
            end = chain.extra(e);
        } else {
            NetRxResponse r = rx.take();
            taken(r.id());
            boolean inPlace = hv.grantTable().suspendAccess(rxPages[r.id()]);
            rxSuspended[r.id()] = inPlace;
            end = chain.fragment(r, rxPages[r.id()].page(), inPlace);
        }
        if (end) {
            ByteBuffer f = chain.finish();
            if (f == null) {
                rxDropped++;
            } else {
                frames.add(f.asReadOnlyBuffer());
                rxFrames++;
            }
        }
        return end;
    }

    /** Gives the backend its access to rx page {@code id} back, if it was suspended. Caller holds the lock. */
    private void resume(int id) {
        if (rxSuspended[id] && rxPages[id] != null) {
            hv.grantTable().resumeAccess(rxPages[id]);
        }
        rxSuspended[id] = false;
    }

    /** Checks that rx buffer {@code id} was posted and takes it off the ring until {@link #repost}. */
    private void taken(int id) throws ErrnoException {
        if (id >= rxPosted.length || !rxPosted[id]) {
            throw new ErrnoException(Errno.EIO, "rx response with id " + id + " that is not posted");
        }
        rxPosted[id] = false;
        chainIds.add(id);
    }

    /**
     * Posts the pages of a delivered batch again, with one push; on a device that stopped
     * meanwhile, they stay off the ring, and on a closed one their grants end here, since
     * {@link #close} left them to the delivery that was reading them.
     */
    private void repost(List<Integer> ids) {
        List<GrantedPage> end = new ArrayList<>();
        boolean notify = false;
        synchronized (this) {
            delivering = false;
            chain.delivered();
            for (int id : ids) {
                resume(id);
            }
            if (closed) {
                for (int id : ids) {
                    if (rxPages[id] != null) {
                        end.add(rxPages[id]);
                        rxPages[id] = null;
                    }
                }
            } else if (broken == null) {
                for (int id : ids) {
                    post(id);
                }
                notify = rx.pushRequests();
            }
            notifyAll();
        }
        for (GrantedPage p : end) {
            endAccess(p);
        }
        if (notify) {
            try {
                channel.notifyPeer();
            } catch (ErrnoException e) {
                disconnect("notify backend: " + e.getMessage());
            }
        }
    }

    /** Marks the device dead (link down, EIO for transmit) and tells the backend, off this thread. */
    private void disconnect(String why) {
        synchronized (this) {
            if (broken != null) {
                return;
            }
            broken = why;
            notifyAll();
        }
        channel.mask();
        link.closeAsync();
    }

    /** Why the device was disconnected, or null while usable. */
    public synchronized String disconnectedReason() {
        return broken;
    }

    /** Counters: frames sent, dropped before sending (too large), answered with an error; frames received, dropped on receive. */
    public synchronized Stats stats() {
        return new Stats(txFrames, txDropped, txErrors, rxFrames, rxDropped);
    }

    /** See {@link #stats()}. */
    public record Stats(long txFrames, long txDropped, long txErrors, long rxFrames, long rxDropped) {
    }

    /**
     * Closes the device: goes Closing, waits briefly for the backend to follow, goes Closed,
     * ends the grants (pages the backend still maps stay granted) and frees the channel.
     */
    @Override
    public void close() {
        boolean wasBroken;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            wasBroken = broken != null;
            if (broken == null) {
                broken = "closed";
            }
            notifyAll();
        }
        try {
            link.close(!wasBroken);
        } finally {
            channel.close();
            List<GrantedPage> all = new ArrayList<>();
            synchronized (this) {
                all.add(txRingPage);
                all.add(rxRingPage);
                for (GrantedPage p : txPages) {
                    if (p != null) {
                        all.add(p);
                    }
                }
                for (int id = 0; id < rxPages.length; id++) {
                    // a page a delivery still reads (close called from the receiver) is ended when it returns
                    boolean read = delivering && !rxPosted[id] && !chainIds.contains(id);
                    if (rxPages[id] != null && !read) {
                        resume(id);
                        all.add(rxPages[id]);
                        rxPages[id] = null;
                    }
                }
            }
            for (GrantedPage p : all) {
                endAccess(p);
            }
        }
    }

    private void endAccess(GrantedPage p) {
        try {
            hv.grantTable().endAccess(p);
        } catch (ErrnoException e) {
            // still mapped by the backend: the page stays granted rather than reused under it
        }
    }

    @Override
    public String toString() {
        return "netfront " + frontend + " (backend " + backend + ", domain " + backendId + ")";
    }
}
