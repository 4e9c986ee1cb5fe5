package io.jrump.xen.blk;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantedPage;
import io.jrump.xen.hv.GrantedRun;
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
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Xen's paravirtual block frontend as a {@link BlockDevice}: file systems on a Xen guest run
 * on it unchanged.
 *
 * <p>Connection follows the xenbus handshake of {@code xen/include/public/io/blkif.h}: wait for
 * the backend's InitWait, read its {@code max-ring-page-order}, grant a ring of up to
 * 2^{@value #MAX_RING_PAGE_ORDER_USED} pages and allocate an event channel, publish
 * {@code ring-ref} (one page) or {@code ring-page-order} and {@code ring-ref0..N-1},
 * {@code event-channel} and {@code protocol} and go Initialised in one transaction, wait for
 * the backend's Connected, read {@code sectors}, {@code sector-size}, {@code info},
 * {@code mode} and the {@code feature-*} nodes, go Connected.
 *
 * <p>I/O: a transfer is cut into requests of up to 11 segments (one granted page each), or,
 * when the backend offers {@code feature-max-indirect-segments}, up to that many (at most
 * {@value Blkif#MAX_INDIRECT_SEGMENTS}, 1 MiB) in one {@code BLKIF_OP_INDIRECT} request whose
 * segment list lies in granted indirect pages. Requests take their data and indirect pages as
 * one run from a pool of {@value #POOL_PAGES} pages granted once at connect and reused (so the
 * grants are persistent, and {@code feature-persistent} is offered); the pool was granted as
 * one run, so the backend can map a request's pages side by side. Data is copied between the
 * caller's buffer and the pool's pages. A response is matched to its request by id.
 *
 * <p>The backend is not trusted. A response whose id was never issued or is not in flight,
 * impossible ring indexes, no response within the timeout, or the backend going Closing: each
 * fails every request in flight with EIO and disconnects the device (it stays unusable, EIO
 * for every later call). Pages a misbehaving backend may still be writing are never handed to
 * another request. Nodes that are not numbers, or negative, fail the connect with EINVAL;
 * offers larger than this frontend uses are taken down to its own limits.
 */
public final class BlkFront implements BlockDevice {
    /** The largest ring this frontend asks for, in lb(pages): 4 pages, 128 requests in flight. */
    static final int MAX_RING_PAGE_ORDER_USED = 2;
    /** Data and indirect pages granted at connect: 2 MiB, two 1 MiB indirect requests in flight. */
    static final int POOL_PAGES = 512;
    /** The longest a leading caller sleeps on the event channel before it looks for a disconnect. */
    static final long LEADER_SLICE_NANOS = 50_000_000;
    /** Pages one blkfront grants: its largest ring and its pool. */
    public static final int PAGES_GRANTED = (1 << MAX_RING_PAGE_ORDER_USED) + POOL_PAGES;

    /** One ring slot (request id) and, while a request occupies it, its pages and the waiter. */
    private static final class Slot {
        final int id;
        int firstPage;
        int pageCount;
        int operation = -1;
        short status;
        boolean done;

        Slot(int id) {
            this.id = id;
        }
    }

    private final XenStoreClient xs;
    private final Hypervisor hv;
    private final String frontend;
    private final String backend;
    private final int backendId;
    private final Duration ioTimeout;
    private final FrontendLink link;
    private final GrantedRun ringPages;
    private final int ringPageOrder;
    private final PagePool pool;
    private final EventChannel channel;
    private final FrontRing<BlkRequest, BlkResponse> ring;
    private final Slot[] slots;
    private final ArrayDeque<Slot> free = new ArrayDeque<>();
    /** Held by the caller that waits on the event channel for everyone ({@link #reapUntilDone}). */
    private final ReentrantLock reaper = new ReentrantLock();
    /** Whether callers wait on the channel themselves rather than a handler consuming responses. */
    private boolean callerWaits;
    private long sectors;
    private int sectorSize;
    private boolean readOnly;
    private boolean flushCache;
    private boolean barrier;
    private boolean discard;
    /** Segments one read or write request carries: 11, or the indirect maximum negotiated. */
    private int segmentsPerRequest = Blkif.MAX_SEGMENTS_PER_REQUEST;
    /** Why the device is unusable, or null; guarded by this. */
    private String broken;
    private boolean closed;
    /** Whether the ring was offered to the backend (which may have mapped it). */
    private boolean published;

    private BlkFront(XenStoreClient xs, Hypervisor hv, FrontendLink link, Duration ioTimeout, GrantedRun ringPages, int ringPageOrder, GrantedRun pool,
            EventChannel channel) {
        this.xs = xs;
        this.hv = hv;
        this.link = link;
        this.frontend = link.frontend();
        this.backend = link.backend();
        this.backendId = link.backendId();
        this.ioTimeout = ioTimeout;
        this.ringPages = ringPages;
        this.ringPageOrder = ringPageOrder;
        this.pool = new PagePool(pool.pages());
        this.channel = channel;
        SharedRing shared = new SharedRing(ringPages.view(), Math.max(Blkif.REQ_SIZE, Blkif.RSP_SIZE));
        shared.init();
        this.ring = new FrontRing<>(shared, BlkRequest.CODEC, BlkResponse.CODEC);
        this.slots = new Slot[ring.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i);
            free.add(slots[i]);
        }
    }

    /**
     * Connects the frontend whose xenstore directory is {@code frontend}
     * ({@code /local/domain/<domid>/device/vbd/<devid>}) to its backend.
     *
     * @param ioTimeout how long a request may go unanswered before the device is declared dead
     */
    public static BlkFront connect(XenStoreClient xs, Hypervisor hv, String frontend, Duration ioTimeout) throws ErrnoException {
        FrontendLink link = FrontendLink.open(xs, "blkfront", frontend);
        int backendId = link.backendId();
        List<GrantedPage> granted = new ArrayList<>();
        EventChannel ch = null;
        BlkFront f = null;
        try {
            long offered = link.backendNumber("max-ring-page-order", 0);
            if (offered < 0) {
                throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": backend's max-ring-page-order " + offered);
            }
            int order = (int) Math.min(offered, MAX_RING_PAGE_ORDER_USED);
            GrantedRun ringPages = hv.grantTable().grantRun(backendId, 1 << order, false);
            granted.addAll(ringPages.pages());
            GrantedRun pool = hv.grantTable().grantRun(backendId, POOL_PAGES, false);
            granted.addAll(pool.pages());
            ch = hv.eventChannels().allocUnbound(backendId);
            f = new BlkFront(xs, hv, link, ioTimeout, ringPages, order, pool, ch);
            f.handshake();
            return f;
        } catch (ErrnoException | RuntimeException e) {
            if (ch != null) {
                ch.close();
            }
            if (f != null && f.published) {
                // the backend may have mapped the ring: let it unmap (Closing, Closed) before the grants end
                link.close(true);
            } else {
                link.abandon(e);
            }
            for (GrantedPage p : granted) {
                try {
                    hv.grantTable().endAccess(p);
                } catch (ErrnoException x) {
                    e.addSuppressed(x);
                }
            }
            throw e;
        }
    }

    private void handshake() throws ErrnoException {
        xs.transaction(tx -> {
            List<GrantedPage> rp = ringPages.pages();
            if (ringPageOrder == 0) {
                tx.write(frontend + "/ring-ref", Integer.toString(rp.get(0).ref()));
            } else {
                tx.write(frontend + "/ring-page-order", Integer.toString(ringPageOrder));
                for (int i = 0; i < rp.size(); i++) {
                    tx.write(frontend + "/ring-ref" + i, Integer.toString(rp.get(i).ref()));
                }
            }
            tx.write(frontend + "/event-channel", Integer.toString(channel.port()));
            tx.write(frontend + "/protocol", Blkif.PROTOCOL);
            tx.write(frontend + "/feature-persistent", "1");
            tx.write(frontend + "/state", XenbusState.INITIALISED.text());
            return null;
        });
        published = true;
        link.awaitConnected();
        sectorSize = (int) link.backendNumber("sector-size", Blkif.SECTOR);
        if (sectorSize < Blkif.SECTOR || sectorSize > Blkif.PAGE_SIZE || Integer.bitCount(sectorSize) != 1) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": backend sector-size " + sectorSize);
        }
        sectors = link.backendNumber("sectors", -1);
        if (sectors < 0 || sectors > Long.MAX_VALUE / sectorSize) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": backend sectors " + sectors);
        }
        long indirect = link.backendNumber("feature-max-indirect-segments", 0);
        if (indirect < 0) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": backend's feature-max-indirect-segments " + indirect);
        }
        if (indirect > Blkif.MAX_SEGMENTS_PER_REQUEST) {
            segmentsPerRequest = (int) Math.min(indirect, Blkif.MAX_INDIRECT_SEGMENTS);
        }
        long info = link.backendNumber("info", 0);
        String mode = link.optional(backend + "/mode", "w");
        readOnly = (info & Blkif.VDISK_READONLY) != 0 || mode.equals("r");
        flushCache = link.backendNumber("feature-flush-cache", 0) == 1;
        barrier = link.backendNumber("feature-barrier", 0) == 1;
        discard = link.backendNumber("feature-discard", 0) == 1;
        callerWaits = channel.callerWaits();
        if (!callerWaits) {
            channel.handler(this::responses);
        }
        channel.unmask();
        xs.write(frontend + "/state", XenbusState.CONNECTED.text());
        link.onBackendLost(this::disconnect);
    }

    /** The negotiated ring size in lb(pages): 0 for the one-page ring. */
    public int ringPageOrder() {
        return ringPageOrder;
    }

    /** Segments (pages) one read or write request carries: 11, or more with indirect requests. */
    public int segmentsPerRequest() {
        return segmentsPerRequest;
    }

    @Override
    public int sectorSize() {
        return sectorSize;
    }

    @Override
    public long size() {
        return sectors * sectorSize;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    /** What the backend offers, for diagnostics: "flush", "barrier", "discard". */
    public List<String> features() {
        List<String> f = new ArrayList<>();
        if (flushCache) {
            f.add("flush");
        }
        if (barrier) {
            f.add("barrier");
        }
        if (discard) {
            f.add("discard");
        }
        return f;
    }

    @Override
    public void read(long sector, ByteBuffer dst) throws ErrnoException {
        transfer(Blkif.OP_READ, sector, dst, "read");
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        if (readOnly) {
            throw new ErrnoException(Errno.EROFS, "blkfront " + frontend + ": write to a read-only disk");
        }
        transfer(Blkif.OP_WRITE, sector, src, "write");
    }

    private void transfer(int op, long sector, ByteBuffer buf, String what) throws ErrnoException {
        int len = buf.remaining();
        if (len % sectorSize != 0 || sector < 0 || sector > sectors || (long) len / sectorSize > sectors - sector) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": " + what + " of " + len + " bytes at sector " + sector + " of " + sectors);
        }
        int perRequest = segmentsPerRequest * Blkif.PAGE_SIZE;
        long first512 = sector * (sectorSize / Blkif.SECTOR);
        int start = buf.position();
        int done = 0;
        List<Slot> issued = new ArrayList<>();
        while (done < len) {
            // issue as many requests as slots and pages are free (at least one), then wait for them all
            issued.clear();
            int batchStart = done;
            ErrnoException failure = null;
            try {
                while (done < len) {
                    int n = Math.min(perRequest, len - done);
                    int segs = (n + Blkif.PAGE_SIZE - 1) / Blkif.PAGE_SIZE;
                    int indirectPages = segs > Blkif.MAX_SEGMENTS_PER_REQUEST ? IndirectSegments.pagesFor(segs) : 0;
                    Slot s = acquire(issued, segs + indirectPages);
                    if (s == null) {
                        break;
                    }
                    issued.add(s);
                    if (op == Blkif.OP_WRITE) {
                        for (int i = 0; i < segs; i++) {
                            int bytes = Math.min(Blkif.PAGE_SIZE, n - i * Blkif.PAGE_SIZE);
                            pool.page(s.firstPage + i).page().put(0, buf, start + done + i * Blkif.PAGE_SIZE, bytes);
                        }
                    }
                    submit(s, op, request(op, s, segs, n, first512 + done / Blkif.SECTOR, indirectPages));
                    done += n;
                }
            } catch (ErrnoException e) {
                failure = e;
            }
            int off = batchStart;
            for (Slot s : issued) {
                int n = Math.min(perRequest, len - off);
                try {
                    awaitSlot(s, what, sector);
                    if (op == Blkif.OP_READ && failure == null) {
                        for (int i = 0; i * Blkif.PAGE_SIZE < n; i++) {
                            int bytes = Math.min(Blkif.PAGE_SIZE, n - i * Blkif.PAGE_SIZE);
                            buf.put(start + off + i * Blkif.PAGE_SIZE, pool.page(s.firstPage + i).page(), 0, bytes);
                        }
                    }
                } catch (ErrnoException e) {
                    if (failure == null) {
                        failure = e;
                    }
                } finally {
                    release(s);
                }
                off += n;
            }
            if (failure != null) {
                throw failure;
            }
        }
        buf.position(start + len);
    }

    /** The request for {@code n} bytes in the slot's pages: direct, or indirect with its segment list after the data pages. */
    private BlkRequest request(int op, Slot s, int segs, int n, long sector512, int indirectPages) {
        int[] grefs = new int[segs];
        byte[] lasts = new byte[segs];
        for (int i = 0; i < segs; i++) {
            grefs[i] = pool.page(s.firstPage + i).ref();
            lasts[i] = (byte) (Math.min(Blkif.PAGE_SIZE, n - i * Blkif.PAGE_SIZE) / Blkif.SECTOR - 1);
        }
        if (indirectPages == 0) {
            return BlkRequest.direct(op, s.id, sector512, grefs, new byte[segs], lasts);
        }
        ByteBuffer[] lists = new ByteBuffer[indirectPages];
        int[] listRefs = new int[indirectPages];
        for (int i = 0; i < indirectPages; i++) {
            GrantedPage p = pool.page(s.firstPage + segs + i);
            lists[i] = p.page();
            listRefs[i] = p.ref();
        }
        for (int i = 0; i < segs; i++) {
            IndirectSegments.write(lists, i, grefs[i], 0, lasts[i]);
        }
        return BlkRequest.indirect(op, segs, s.id, sector512, listRefs);
    }

    @Override
    public void flush() throws ErrnoException {
        int op = flushCache ? Blkif.OP_FLUSH_DISKCACHE : barrier ? Blkif.OP_WRITE_BARRIER : -1;
        if (op < 0) {
            checkUsable();
            return; // the backend completes writes only once durable
        }
        simple(new int[] {op}, 0, 0, "flush");
    }

    @Override
    public void discard(long sector, long count) throws ErrnoException {
        if (sector < 0 || count < 0 || sector > sectors || count > sectors - sector) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": discard of " + count + " sectors at " + sector + " of " + sectors);
        }
        if (!discard || count == 0) {
            checkUsable();
            return;
        }
        int k = sectorSize / Blkif.SECTOR;
        simple(new int[] {Blkif.OP_DISCARD}, sector * k, count * k, "discard");
    }

    private void simple(int[] op, long sector512, long count512, String what) throws ErrnoException {
        List<Slot> issued = new ArrayList<>();
        Slot s = acquire(issued, 0);
        try {
            submit(s, op[0], BlkRequest.control(op[0], s.id, sector512, count512));
            awaitSlot(s, what, sector512);
        } finally {
            release(s);
        }
    }

    private synchronized void checkUsable() throws ErrnoException {
        if (broken != null) {
            throw new ErrnoException(Errno.EIO, "blkfront " + frontend + ": disconnected: " + broken);
        }
    }

    /**
     * A free slot with a run of {@code pages} pool pages, waiting while every slot is in flight or
     * the pool has no such run; null when there is none and the caller already holds some (it
     * waits for its own first, so callers never wait on each other in a cycle).
     */
    private synchronized Slot acquire(List<Slot> mine, int pages) throws ErrnoException {
        long deadline = System.nanoTime() + ioTimeout.toNanos();
        while (true) {
            checkUsable();
            if (!free.isEmpty()) {
                int first = pool.take(pages);
                if (first >= 0) {
                    Slot s = free.poll();
                    s.firstPage = first;
                    s.pageCount = pages;
                    s.done = false;
                    return s;
                }
            }
            if (!mine.isEmpty()) {
                return null;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                disconnect("no ring slot free for " + ioTimeout.toMillis() + " ms");
                continue;
            }
            waitNanos(left);
        }
    }

    private void waitNanos(long nanos) throws ErrnoException {
        try {
            wait(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "blkfront " + frontend + ": interrupted");
        }
    }

    /** Puts {@code r} on the ring; its response must carry {@code op} (the read or write of an indirect request). */
    private void submit(Slot s, int op, BlkRequest r) throws ErrnoException {
        boolean notify;
        synchronized (this) {
            checkUsable();
            s.operation = op;
            s.done = false;
            ring.put(r);
            notify = ring.pushRequests();
        }
        if (notify) {
            channel.notifyPeer();
        }
    }

    private void awaitSlot(Slot s, String what, long sector) throws ErrnoException {
        long deadline = System.nanoTime() + ioTimeout.toNanos();
        if (callerWaits) {
            reapUntilDone(s, what, deadline);
        }
        awaitDone(s, what, sector, deadline);
    }

    /**
     * Callers wait for the backend's notifications themselves, leader and followers: one waiter
     * at a time (the leader) sleeps on the event channel and consumes every response, which
     * wakes the followers whose requests completed; a leader whose request is done leaves and
     * wakes the others, one of which leads next. With one request in flight the backend's
     * notification thus wakes the requesting thread itself, not a delivery thread that then
     * wakes it. The leader sleeps in slices, so a disconnect is seen within {@value #LEADER_SLICE_NANOS} ns.
     */
    private void reapUntilDone(Slot s, String what, long deadline) throws ErrnoException {
        while (true) {
            synchronized (this) {
                if (s.done || broken != null) {
                    return;
                }
            }
            if (reaper.tryLock()) {
                try {
                    while (true) {
                        responses();
                        synchronized (this) {
                            if (s.done || broken != null) {
                                return;
                            }
                        }
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return; // awaitDone declares the device dead
                        }
                        try {
                            channel.await(Math.min(left, LEADER_SLICE_NANOS));
                        } catch (ErrnoException e) {
                            disconnect("event channel: " + e.getMessage()); // closed under the wait: awaitDone reports EIO
                            return;
                        }
                    }
                } finally {
                    reaper.unlock();
                    synchronized (this) {
                        notifyAll(); // a follower leads next
                    }
                }
            }
            synchronized (this) {
                while (!s.done && broken == null && reaper.isLocked()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return;
                    }
                    waitNanos(left);
                }
            }
        }
    }

    private synchronized void awaitDone(Slot s, String what, long sector, long deadline) throws ErrnoException {
        while (!s.done) {
            if (broken != null) {
                throw new ErrnoException(Errno.EIO, "blkfront " + frontend + ": " + what + " at sector " + sector + ": disconnected: " + broken);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                disconnect("no response to a " + what + " in " + ioTimeout.toMillis() + " ms");
                continue;
            }
            waitNanos(left);
        }
        if (s.status == Blkif.RSP_OKAY) {
            return;
        }
        Errno e = s.status == Blkif.RSP_EOPNOTSUPP ? Errno.EOPNOTSUPP : Errno.EIO;
        throw new ErrnoException(e, "blkfront " + frontend + ": " + what + " at sector " + sector + ": backend status " + s.status);
    }

    /** Returns a slot to the free list, unless the device broke while it was in flight (the backend may still write its pages). */
    private synchronized void release(Slot s) {
        if (s.done && broken == null) {
            s.operation = -1;
            pool.release(s.firstPage, s.pageCount);
            free.add(s);
            notifyAll();
        }
    }

    /** Consumes responses, with the final check against a lost notification: the event channel's handler, or a leading caller. */
    private void responses() {
        synchronized (this) {
            if (broken != null) {
                return;
            }
            try {
                do {
                    int n = ring.unconsumedResponses();
                    for (int i = 0; i < n; i++) {
                        BlkResponse r = ring.take();
                        long id = r.id();
                        if (id < 0 || id >= slots.length || slots[(int) id].operation < 0 || slots[(int) id].done) {
                            throw new ErrnoException(Errno.EIO, "response with id " + Long.toUnsignedString(id) + " that is not in flight");
                        }
                        Slot s = slots[(int) id];
                        if (r.operation() != s.operation) {
                            throw new ErrnoException(Errno.EIO, "response " + id + " for operation " + r.operation() + ", request was " + s.operation);
                        }
                        s.status = r.status();
                        s.done = true;
                    }
                } while (ring.finalCheckForResponses());
            } catch (ErrnoException e) {
                disconnect(e.getMessage());
            }
            notifyAll();
        }
    }

    /** Marks the device dead, fails every waiter, and tells the backend (off this thread's locks). */
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

    /** Whether the device was disconnected, and why (null while usable). */
    public synchronized String disconnectedReason() {
        return broken;
    }

    /**
     * Closes the device: goes Closing, waits briefly for the backend to follow, goes Closed,
     * revokes the grants (those the backend still maps stay granted) and frees the channel.
     */
    @Override
    public void close() throws ErrnoException {
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
            for (GrantedPage p : ringPages.pages()) {
                endAccess(p);
            }
            for (int i = 0; i < pool.size(); i++) {
                endAccess(pool.page(i));
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
        return "blkfront " + frontend + " (backend " + backend + ", domain " + backendId + ")";
    }
}
