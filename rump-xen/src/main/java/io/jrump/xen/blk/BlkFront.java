package io.jrump.xen.blk;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.wait.CallerWaits;
import io.jrump.dev.wait.Completion;
import io.jrump.platform.host.linux.Libc;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

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
 * caller's buffer and the pool's pages, except for a buffer from {@link #sharedBuffer}: its pages
 * are granted themselves, so a request names them and the backend reads or writes the caller's
 * buffer directly (no copy on this side). A response is matched to its request by id.
 *
 * <p>Grants end only when the backend no longer maps the page: with {@code feature-persistent}
 * negotiated, the backend keeps pages mapped after their requests (up to its own cap) until
 * the device disconnects, so a released shared buffer's pages it still maps stay granted, with
 * their memory, and are ended later ({@link #releaseSharedBuffer}); the pool and the ring are
 * ended at {@link #close}, after the backend has gone Closed.
 *
 * <p>Waiting: each request has its own {@link Completion}; a response wakes only the caller of
 * the request it answers. Where the event channel lets a caller wait on it, callers wait for
 * the backend themselves, leader and followers ({@link CallerWaits}), the leader polling the
 * ring before it sleeps ({@link ResponseSignal}); otherwise the channel's handler consumes
 * responses and completes them.
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
    /** Pages one blkfront grants: its largest ring and its pool. */
    public static final int PAGES_GRANTED = (1 << MAX_RING_PAGE_ORDER_USED) + POOL_PAGES;

    /** One ring slot (request id) and, while a request occupies it, its pages and its completion (the response's status). */
    private static final class Slot {
        final int id;
        final Completion completion = new Completion();
        int firstPage;
        int pageCount;
        int operation = -1;
        /** Between {@link #acquire} and {@link #release}: submitted or about to be. */
        boolean taken;
        /** The request's data: bytes, and where in the caller's buffer (relative to its position); copied through the pool or not. */
        int bytes;
        int offset;
        boolean zeroCopy;

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
    /** Callers waiting on the channel themselves, when it allows, and the ring as they wait on it; null when a handler consumes responses. */
    private CallerWaits waits;
    private ResponseSignal signal;
    /** Buffers handed out by {@link #sharedBuffer}: changed under this, read by every transfer without it. */
    private final List<SharedRun> shared = new CopyOnWriteArrayList<>();
    /** Bytes copied between callers' buffers and the pool. */
    private final LongAdder copied = new LongAdder();
    /** Pages given up whose grants the backend still maps: kept, and ended at a later try. */
    private final DeferredGrants deferred;
    private long sectors;
    private int sectorSize;
    private boolean readOnly;
    private boolean flushCache;
    private boolean barrier;
    private boolean discard;
    /** Whether the backend offered {@code feature-persistent} too (this frontend always does). */
    private boolean persistent;
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
        this.deferred = new DeferredGrants(hv.grantTable());
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
        persistent = link.backendNumber("feature-persistent", 0) == 1;
        if (channel.callerWaits()) {
            signal = new ResponseSignal(ring, this, channel, this::responses, this::disconnect);
            waits = new CallerWaits(signal, this);
        } else {
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

    /**
     * Whether both ends offered {@code feature-persistent}: the backend may keep any page this
     * frontend granted mapped until the device disconnects, so a released page whose grant
     * cannot be ended yet is kept ({@link #releaseSharedBuffer}).
     */
    public boolean persistentGrants() {
        return persistent;
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

    /** A buffer handed out by {@link #sharedBuffer}: its granted pages, and where it lies in this process's memory. */
    private record SharedRun(GrantedRun run, long address, int bytes) {
    }

    /**
     * A buffer in grantable memory, for callers that want no copy on this side: a read or write
     * through it names its own pages in the request, so the backend reads into it or writes from
     * it directly. Its pages are granted to the backend (taken from this domain's memory, not
     * from the pool), and the backend may read or write them at any time until the buffer is
     * released; its contents are undefined. A slice of it, at a multiple of 512 bytes from its
     * start, is used without copy too; any other buffer is copied through the pool.
     *
     * @throws ErrnoException ENOMEM when the domain has no room for it, EIO when disconnected
     */
    public ByteBuffer sharedBuffer(int bytes) throws ErrnoException {
        if (bytes <= 0) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": shared buffer of " + bytes + " bytes");
        }
        checkUsable();
        int pages = (int) (((long) bytes + Blkif.PAGE_SIZE - 1) / Blkif.PAGE_SIZE);
        deferred.retry(); // pages the backend has let go of since are freed first, so they can be granted again
        GrantedRun run = hv.grantTable().grantRun(backendId, pages, false);
        synchronized (this) {
            shared.add(new SharedRun(run, Libc.address(run.view()), pages * Blkif.PAGE_SIZE));
        }
        return run.view().slice(0, bytes);
    }

    /**
     * Gives back a buffer from {@link #sharedBuffer}; it must not be used afterwards. Its grants
     * are ended, except those the backend still maps (with persistent grants it keeps pages
     * mapped after their requests, until it evicts them or disconnects): those pages stay
     * granted, their memory handed to no one, and are ended at a later release or allocation
     * once the backend has let go of them, or at {@link #close}.
     */
    public void releaseSharedBuffer(ByteBuffer b) {
        long at = b.isDirect() ? Libc.address(b) : 0;
        SharedRun found = null;
        synchronized (this) {
            for (SharedRun r : shared) {
                if (r.address() == at) {
                    found = r;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("not a shared buffer of " + this);
            }
            shared.remove(found);
        }
        deferred.end(found.run().pages());
    }

    /** Pages of released buffers still granted because the backend maps them, after ending those it no longer maps. */
    public int pagesKeptAfterRelease() {
        return deferred.retry();
    }

    /** Bytes copied so far between callers' buffers and the granted pages of the pool (none for {@link #sharedBuffer}s). */
    public long bytesCopied() {
        return copied.sum();
    }

    /** The shared buffer {@code [position, limit)} of {@code buf} lies in, and where, or null (it is then copied). */
    private SharedPlace sharedPlace(ByteBuffer buf) {
        if (shared.isEmpty() || !buf.isDirect()) {
            return null;
        }
        long at = Libc.address(buf) + buf.position();
        for (SharedRun r : shared) {
            long off = at - r.address();
            if (off >= 0 && off <= r.bytes() - buf.remaining()) {
                return off % Blkif.SECTOR == 0 ? new SharedPlace(r, (int) off) : null;
            }
        }
        return null;
    }

    /** Where a transfer's data starts in a shared buffer. */
    private record SharedPlace(SharedRun run, int offset) {
    }

    private void transfer(int op, long sector, ByteBuffer buf, String what) throws ErrnoException {
        int len = buf.remaining();
        if (len % sectorSize != 0 || sector < 0 || sector > sectors || (long) len / sectorSize > sectors - sector) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": " + what + " of " + len + " bytes at sector " + sector + " of " + sectors);
        }
        SharedPlace place = sharedPlace(buf);
        long first512 = sector * (sectorSize / Blkif.SECTOR);
        int start = buf.position();
        int done = 0;
        List<Slot> issued = new ArrayList<>();
        while (done < len) {
            // issue as many requests as slots and pages are free (at least one), then wait for them all
            issued.clear();
            ErrnoException failure = null;
            try {
                while (done < len) {
                    int n;
                    int segs;
                    if (place == null) {
                        n = Math.min(segmentsPerRequest * Blkif.PAGE_SIZE, len - done);
                        segs = (n + Blkif.PAGE_SIZE - 1) / Blkif.PAGE_SIZE;
                    } else {
                        int in = (place.offset() + done) % Blkif.PAGE_SIZE;
                        n = Math.min(segmentsPerRequest * Blkif.PAGE_SIZE - in, len - done);
                        segs = (in + n + Blkif.PAGE_SIZE - 1) / Blkif.PAGE_SIZE;
                    }
                    int indirectPages = segs > Blkif.MAX_SEGMENTS_PER_REQUEST ? IndirectSegments.pagesFor(segs) : 0;
                    Slot s = acquire(issued, (place == null ? segs : 0) + indirectPages);
                    if (s == null) {
                        break;
                    }
                    issued.add(s);
                    s.bytes = n;
                    s.offset = done;
                    s.zeroCopy = place != null;
                    if (op == Blkif.OP_WRITE && place == null) {
                        for (int i = 0; i < segs; i++) {
                            int bytes = Math.min(Blkif.PAGE_SIZE, n - i * Blkif.PAGE_SIZE);
                            pool.page(s.firstPage + i).page().put(0, buf, start + done + i * Blkif.PAGE_SIZE, bytes);
                        }
                        copied.add(n);
                    }
                    submit(s, op, request(op, s, segs, place, first512 + done / Blkif.SECTOR, indirectPages));
                    done += n;
                }
            } catch (ErrnoException e) {
                failure = e;
            }
            for (Slot s : issued) {
                try {
                    awaitSlot(s, what, sector);
                    if (op == Blkif.OP_READ && failure == null && !s.zeroCopy) {
                        for (int i = 0; i * Blkif.PAGE_SIZE < s.bytes; i++) {
                            int bytes = Math.min(Blkif.PAGE_SIZE, s.bytes - i * Blkif.PAGE_SIZE);
                            buf.put(start + s.offset + i * Blkif.PAGE_SIZE, pool.page(s.firstPage + i).page(), 0, bytes);
                        }
                        copied.add(s.bytes);
                    }
                } catch (ErrnoException e) {
                    if (failure == null) {
                        failure = e;
                    }
                } finally {
                    release(s);
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
        buf.position(start + len);
    }

    /**
     * The request for the slot's {@code s.bytes}: in its pool pages, or in the shared buffer at
     * {@code place} (each segment the sectors of one page it covers); direct, or indirect with
     * its segment list in the slot's pool pages after the data pages.
     */
    private BlkRequest request(int op, Slot s, int segs, SharedPlace place, long sector512, int indirectPages) {
        int[] grefs = new int[segs];
        byte[] firsts = new byte[segs];
        byte[] lasts = new byte[segs];
        if (place == null) {
            for (int i = 0; i < segs; i++) {
                grefs[i] = pool.page(s.firstPage + i).ref();
                lasts[i] = (byte) (Math.min(Blkif.PAGE_SIZE, s.bytes - i * Blkif.PAGE_SIZE) / Blkif.SECTOR - 1);
            }
        } else {
            int from = place.offset() + s.offset;
            int to = from + s.bytes;
            int firstPage = from / Blkif.PAGE_SIZE;
            List<GrantedPage> pages = place.run().run().pages();
            for (int i = 0; i < segs; i++) {
                int pageStart = (firstPage + i) * Blkif.PAGE_SIZE;
                grefs[i] = pages.get(firstPage + i).ref();
                firsts[i] = (byte) ((Math.max(from, pageStart) - pageStart) / Blkif.SECTOR);
                lasts[i] = (byte) ((Math.min(to, pageStart + Blkif.PAGE_SIZE) - pageStart) / Blkif.SECTOR - 1);
            }
        }
        if (indirectPages == 0) {
            return BlkRequest.direct(op, s.id, sector512, grefs, firsts, lasts);
        }
        int listsAt = s.firstPage + (place == null ? segs : 0);
        ByteBuffer[] lists = new ByteBuffer[indirectPages];
        int[] listRefs = new int[indirectPages];
        for (int i = 0; i < indirectPages; i++) {
            GrantedPage p = pool.page(listsAt + i);
            lists[i] = p.page();
            listRefs[i] = p.ref();
        }
        IndirectSegments.writeAll(lists, segs, grefs, firsts, lasts);
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
                    s.completion.reset();
                    s.taken = true;
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
            ring.put(r);
            notify = ring.pushRequests();
        }
        if (notify) {
            channel.notifyPeer();
        }
    }

    /** Waits for the slot's response: EIO when the device was disconnected first, or the status says it failed. */
    private void awaitSlot(Slot s, String what, long sector) throws ErrnoException {
        long deadline = System.nanoTime() + ioTimeout.toNanos();
        CallerWaits w = waits;
        if (w != null) {
            signal.waitingFor(s.operation, s.bytes);
        }
        boolean answered = w != null ? w.await(s.completion, deadline) : s.completion.await(deadline);
        if (!answered) {
            disconnect("no response to a " + what + " in " + ioTimeout.toMillis() + " ms"); // fails the slot's completion too
        }
        if (s.completion.failure() != null) {
            throw new ErrnoException(Errno.EIO, "blkfront " + frontend + ": " + what + " at sector " + sector + ": disconnected: " + s.completion.failure());
        }
        int status = s.completion.result();
        if (status == Blkif.RSP_OKAY) {
            return;
        }
        Errno e = status == Blkif.RSP_EOPNOTSUPP ? Errno.EOPNOTSUPP : Errno.EIO;
        throw new ErrnoException(e, "blkfront " + frontend + ": " + what + " at sector " + sector + ": backend status " + status);
    }

    /** Returns a slot to the free list, unless the device broke while it was in flight (the backend may still write its pages). */
    private synchronized void release(Slot s) {
        if (s.completion.isDone() && s.completion.failure() == null && broken == null) {
            s.operation = -1;
            s.taken = false;
            pool.release(s.firstPage, s.pageCount);
            free.add(s);
            notifyAll(); // callers waiting for a slot or pages (acquire) only: those waiting for responses park on their completions
        }
    }

    /**
     * Consumes responses, with the final check against a lost notification, completing each
     * request's waiter: the event channel's handler, or a leading caller.
     *
     * @return how many responses it consumed
     */
    private int responses() {
        int taken = 0;
        synchronized (this) {
            if (broken != null) {
                return 0;
            }
            try {
                do {
                    int n = ring.unconsumedResponses();
                    for (int i = 0; i < n; i++) {
                        BlkResponse r = ring.take();
                        long id = r.id();
                        if (id < 0 || id >= slots.length || slots[(int) id].operation < 0 || slots[(int) id].completion.isDone()) {
                            throw new ErrnoException(Errno.EIO, "response with id " + Long.toUnsignedString(id) + " that is not in flight");
                        }
                        Slot s = slots[(int) id];
                        if (r.operation() != s.operation) {
                            throw new ErrnoException(Errno.EIO, "response " + id + " for operation " + r.operation() + ", request was " + s.operation);
                        }
                        s.completion.complete(r.status());
                        taken++;
                    }
                } while (ring.finalCheckForResponses());
            } catch (ErrnoException e) {
                disconnect(e.getMessage());
            }
        }
        return taken;
    }

    /** Marks the device dead, fails every waiter, and tells the backend (off this thread's locks). */
    private void disconnect(String why) {
        synchronized (this) {
            if (broken != null) {
                return;
            }
            broken = why;
            failInFlight(why);
        }
        channel.mask();
        link.closeAsync();
    }

    /** Wakes every caller: those waiting for a response with EIO naming {@code why}, those waiting for a slot to see {@link #broken}. */
    private void failInFlight(String why) {
        assert Thread.holdsLock(this);
        for (Slot s : slots) {
            if (s.taken && !s.completion.isDone()) {
                s.completion.fail(why);
            }
        }
        notifyAll();
    }

    /** Whether the device was disconnected, and why (null while usable). */
    public synchronized String disconnectedReason() {
        return broken;
    }

    /**
     * Closes the device: goes Closing, waits briefly for the backend to follow, goes Closed,
     * frees the channel and ends every grant, those of released buffers kept until now too;
     * those a backend that did not follow still maps stay granted.
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
                failInFlight(broken);
            }
        }
        try {
            link.close(!wasBroken);
        } finally {
            channel.close();
            List<SharedRun> left;
            synchronized (this) {
                left = new ArrayList<>(shared);
                shared.clear();
            }
            // the backend has unmapped everything once it followed to Closed; what it still maps stays granted
            deferred.end(ringPages.pages());
            deferred.end(pool.pages());
            for (SharedRun r : left) {
                deferred.end(r.run().pages());
            }
        }
    }

    @Override
    public String toString() {
        return "blkfront " + frontend + " (backend " + backend + ", domain " + backendId + ")";
    }
}
