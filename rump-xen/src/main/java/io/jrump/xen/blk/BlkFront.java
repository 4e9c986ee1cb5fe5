package io.jrump.xen.blk;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
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
import java.util.List;

/**
 * Xen's paravirtual block frontend as a {@link BlockDevice}: file systems on a Xen guest run
 * on it unchanged.
 *
 * <p>Connection follows the xenbus handshake of {@code xen/include/public/io/blkif.h}: wait for
 * the backend's InitWait, grant a ring page and allocate an event channel, publish
 * {@code ring-ref}, {@code event-channel} and {@code protocol} and go Initialised in one
 * transaction, wait for the backend's Connected, read {@code sectors}, {@code sector-size},
 * {@code info}, {@code mode} and the {@code feature-*} nodes, go Connected.
 *
 * <p>I/O: a transfer is cut into requests of up to 11 segments (one granted page each), as
 * many in flight as the ring has slots. Each ring slot owns 11 pages granted once at connect
 * and reused for every request in that slot (so the grants are persistent, and
 * {@code feature-persistent} is offered); data is copied between the caller's buffer and the
 * slot's pages. A response is matched to its slot by id.
 *
 * <p>The backend is not trusted. A response whose id was never issued or is not in flight,
 * impossible ring indexes, no response within the timeout, or the backend going Closing: each
 * fails every request in flight with EIO and disconnects the device (it stays unusable, EIO
 * for every later call). Pages a misbehaving backend may still be writing are never handed to
 * another request.
 */
public final class BlkFront implements BlockDevice {
    /** One ring slot: its pages and, while a request occupies it, the waiter. */
    private static final class Slot {
        final int id;
        final GrantedPage[] pages = new GrantedPage[Blkif.MAX_SEGMENTS_PER_REQUEST];
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
    private final GrantedPage ringPage;
    private final EventChannel channel;
    private final FrontRing<BlkRequest, BlkResponse> ring;
    private final Slot[] slots;
    private final ArrayDeque<Slot> free = new ArrayDeque<>();
    private long sectors;
    private int sectorSize;
    private boolean readOnly;
    private boolean flushCache;
    private boolean barrier;
    private boolean discard;
    /** Why the device is unusable, or null; guarded by this. */
    private String broken;
    private boolean closed;

    private BlkFront(XenStoreClient xs, Hypervisor hv, FrontendLink link, Duration ioTimeout, GrantedPage ringPage, EventChannel channel) {
        this.xs = xs;
        this.hv = hv;
        this.link = link;
        this.frontend = link.frontend();
        this.backend = link.backend();
        this.backendId = link.backendId();
        this.ioTimeout = ioTimeout;
        this.ringPage = ringPage;
        this.channel = channel;
        SharedRing shared = new SharedRing(ringPage.page(), Math.max(Blkif.REQ_SIZE, Blkif.RSP_SIZE));
        shared.init();
        this.ring = new FrontRing<>(shared, BlkRequest.CODEC, BlkResponse.CODEC);
        this.slots = new Slot[ring.size()];
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
        try {
            GrantedPage ringPage = hv.grantTable().grant(backendId, false);
            granted.add(ringPage);
            ch = hv.eventChannels().allocUnbound(backendId);
            BlkFront f = new BlkFront(xs, hv, link, ioTimeout, ringPage, ch);
            for (int i = 0; i < f.slots.length; i++) {
                Slot s = new Slot(i);
                for (int j = 0; j < s.pages.length; j++) {
                    s.pages[j] = hv.grantTable().grant(backendId, false);
                    granted.add(s.pages[j]);
                }
                f.slots[i] = s;
                f.free.add(s);
            }
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
        xs.transaction(tx -> {
            tx.write(frontend + "/ring-ref", Integer.toString(ringPage.ref()));
            tx.write(frontend + "/event-channel", Integer.toString(channel.port()));
            tx.write(frontend + "/protocol", Blkif.PROTOCOL);
            tx.write(frontend + "/feature-persistent", "1");
            tx.write(frontend + "/state", XenbusState.INITIALISED.text());
            return null;
        });
        link.awaitConnected();
        sectorSize = (int) link.backendNumber("sector-size", Blkif.SECTOR);
        if (sectorSize < Blkif.SECTOR || sectorSize > Blkif.PAGE_SIZE || Integer.bitCount(sectorSize) != 1) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": backend sector-size " + sectorSize);
        }
        sectors = link.backendNumber("sectors", -1);
        if (sectors < 0 || sectors > Long.MAX_VALUE / sectorSize) {
            throw new ErrnoException(Errno.EINVAL, "blkfront " + frontend + ": backend sectors " + sectors);
        }
        long info = link.backendNumber("info", 0);
        String mode = link.optional(backend + "/mode", "w");
        readOnly = (info & Blkif.VDISK_READONLY) != 0 || mode.equals("r");
        flushCache = link.backendNumber("feature-flush-cache", 0) == 1;
        barrier = link.backendNumber("feature-barrier", 0) == 1;
        discard = link.backendNumber("feature-discard", 0) == 1;
        channel.handler(this::responses);
        channel.unmask();
        xs.write(frontend + "/state", XenbusState.CONNECTED.text());
        link.onBackendLost(this::disconnect);
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
        int perRequest = Blkif.MAX_SEGMENTS_PER_REQUEST * Blkif.PAGE_SIZE;
        long first512 = sector * (sectorSize / Blkif.SECTOR);
        int start = buf.position();
        int done = 0;
        List<Slot> issued = new ArrayList<>();
        while (done < len) {
            // issue as many requests as slots are free (at least one), then wait for them all
            issued.clear();
            int batchStart = done;
            ErrnoException failure = null;
            try {
                while (done < len) {
                    Slot s = acquire(issued);
                    if (s == null) {
                        break;
                    }
                    int n = Math.min(perRequest, len - done);
                    int segs = (n + Blkif.PAGE_SIZE - 1) / Blkif.PAGE_SIZE;
                    int[] grefs = new int[segs];
                    byte[] firsts = new byte[segs];
                    byte[] lasts = new byte[segs];
                    for (int i = 0; i < segs; i++) {
                        int bytes = Math.min(Blkif.PAGE_SIZE, n - i * Blkif.PAGE_SIZE);
                        grefs[i] = s.pages[i].ref();
                        lasts[i] = (byte) (bytes / Blkif.SECTOR - 1);
                        if (op == Blkif.OP_WRITE) {
                            s.pages[i].page().put(0, buf, start + done + i * Blkif.PAGE_SIZE, bytes);
                        }
                    }
                    issued.add(s);
                    submit(s, new BlkRequest(op, segs, 0, s.id, first512 + done / Blkif.SECTOR, 0, grefs, firsts, lasts));
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
                            buf.put(start + off + i * Blkif.PAGE_SIZE, s.pages[i].page(), 0, bytes);
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
        Slot s = acquire(issued);
        try {
            submit(s, new BlkRequest(op[0], 0, 0, s.id, sector512, count512, new int[0], new byte[0], new byte[0]));
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
     * A free slot, waiting while every slot is in flight; null when none is free and the caller
     * already holds some (it waits for its own first, so callers never wait on each other in a cycle).
     */
    private synchronized Slot acquire(List<Slot> mine) throws ErrnoException {
        long deadline = System.nanoTime() + ioTimeout.toNanos();
        while (true) {
            checkUsable();
            Slot s = free.poll();
            if (s != null) {
                s.done = false;
                return s;
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

    private void submit(Slot s, BlkRequest r) throws ErrnoException {
        boolean notify;
        synchronized (this) {
            checkUsable();
            s.operation = r.operation();
            s.done = false;
            ring.put(r);
            notify = ring.pushRequests();
        }
        if (notify) {
            channel.notifyPeer();
        }
    }

    private synchronized void awaitSlot(Slot s, String what, long sector) throws ErrnoException {
        long deadline = System.nanoTime() + ioTimeout.toNanos();
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
            free.add(s);
            notifyAll();
        }
    }

    /** The event channel handler: consumes responses, with the final check against a lost notification. */
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
            endAccess(ringPage);
            for (Slot s : slots) {
                if (s != null) {
                    for (GrantedPage p : s.pages) {
                        endAccess(p);
                    }
                }
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
