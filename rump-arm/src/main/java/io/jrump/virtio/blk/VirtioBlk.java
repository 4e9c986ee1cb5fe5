package io.jrump.virtio.blk;

import static io.jrump.virtio.blk.BlkWire.*;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.wait.CallerWaits;
import io.jrump.dev.wait.Completion;
import io.jrump.virtio.DmaPool;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.Negotiation;
import io.jrump.virtio.QueueSignal;
import io.jrump.virtio.Segment;
import io.jrump.virtio.SplitQueue;
import io.jrump.virtio.Transport;
import io.jrump.virtio.Virtio;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A virtio-blk device (virtio 1.2 section 5.2) as a {@link BlockDevice}, over any
 * {@link Transport}: an ext2 mount cannot tell it from an image file.
 *
 * <p>A request is a chain: the 16-byte header (device-readable), the data (readable for OUT,
 * writable for IN), the status byte (writable). Data the device cannot see (a heap buffer, a
 * direct buffer of the JVM's) is copied once through a bounce buffer in the shared memory
 * ({@link DmaPool}); a caller's buffer that already lies in the shared memory ({@link
 * #sharedBuffer}) is handed to the device as it is, with no copy. A transfer larger than one
 * request may carry ({@code size_max} per segment, {@code seg_max} segments, at most {@value
 * #MAX_REQUEST} bytes, {@value #BOUNCE_REQUEST} through bounce buffers) is split, and its
 * requests travel together, up to {@value #WINDOW} in flight per caller; concurrent callers add
 * theirs, up to the ring's size.
 *
 * <p>A transfer through a shared buffer is not cut smaller than that to have pieces copied in
 * parallel: qemu-storage-daemon serves a vhost-user queue in one thread, and with {@code
 * aio=io_uring} a read from the page cache is copied inline as it is submitted, so pieces are
 * copied one after another and each adds its own completion. Measured on two cores, sequential
 * 1 MiB reads into a shared buffer sent as four 256 KiB requests ran at 0.21x FileChannel
 * against 0.34-1.25x as one request, and with {@code aio=threads} (whose worker threads could
 * copy pieces in parallel) two 512 KiB requests ran at 0.15-0.23x: the hand-offs to and from
 * the workers cost more than the parallel copy saves.
 *
 * <p>The request path is the caller's: it fills the descriptors and kicks the device itself,
 * and where the transport allows ({@link Transport#callerWaits()}, vhost-user) it also waits
 * for the device's interrupt itself ({@link CallerWaits}), so no driver thread stands between
 * the caller and the device.
 *
 * <p>The device is not trusted to answer: each request waits at most the timeout, after which
 * (or at the first protocol error the queue detects) the device is <em>disconnected</em>: every
 * waiter and every later call gets EIO naming the cause, and buffers the device may still write
 * are never reused.
 */
public final class VirtioBlk implements BlockDevice {
    /** Requests in flight per transfer. */
    static final int WINDOW = 8;
    /** The largest data of one request, whatever the device allows: bounds the bounce memory per request. */
    static final int MAX_REQUEST = 1024 * 1024;
    /**
     * The largest request of a transfer through bounce buffers: smaller than {@link #MAX_REQUEST}
     * so that copying one part overlaps the device's work on the others.
     */
    static final int BOUNCE_REQUEST = 256 * 1024;
    /** Room before the data in a request's bounce buffer: the 16-byte header at 0, the status byte at {@link #STATUS_AT}. */
    private static final int PREFIX = 64;
    private static final int STATUS_AT = 16;

    private final Transport transport;
    private final String name;
    private final long features;
    private final SplitQueue vq;
    /** Non-null when callers wait for the device's interrupts themselves. */
    private final CallerWaits waits;
    private final DmaPool dma;
    private final GuestMemory mem;
    private final long timeoutNanos;
    private final Object lock = new Object();
    private final int sectorSize;
    private final long size;
    private final boolean readOnly;
    private final int segMax;
    private final int sizeMax;
    private final int maxData;
    private final long maxDiscard;
    private final long maxWriteZeroes;
    private volatile String disconnected;
    private volatile boolean closed;
    /** Held shared by every operation, exclusively by close: the shared memory is released only when no one copies from it. */
    private final java.util.concurrent.locks.ReentrantReadWriteLock ops = new java.util.concurrent.locks.ReentrantReadWriteLock();

    private VirtioBlk(Transport t, String name, long features, long timeoutNanos) throws ErrnoException {
        this.transport = t;
        this.name = name;
        this.features = features;
        this.timeoutNanos = timeoutNanos;
        this.dma = t.dma();
        this.mem = dma.memory();
        byte[] raw = new byte[CFG_SIZE];
        t.readConfig(0, raw);
        ByteBuffer cfg = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        long capacity = cfg.getLong(CFG_CAPACITY);
        int blk = has(F_BLK_SIZE) ? cfg.getInt(CFG_BLK_SIZE) : SECTOR;
        if (blk < SECTOR || blk > 65536 || Integer.bitCount(blk) != 1) {
            blk = SECTOR; // section 5.2.5: blk_size is advice; a nonsense value is ignored
        }
        this.sectorSize = blk;
        if (capacity < 0 || capacity > Long.MAX_VALUE / SECTOR) {
            throw new ErrnoException(Errno.EIO, name + ": capacity " + Long.toUnsignedString(capacity) + " sectors is not sane");
        }
        this.size = capacity * SECTOR / blk * blk;
        this.readOnly = has(F_RO);
        int qmax = t.maxQueueSize(0);
        int qsize = Math.min(qmax, 128);
        if (qsize < 2) {
            throw new ErrnoException(Errno.ENODEV, name + ": request queue of " + qmax + " entries is too small");
        }
        qsize = Integer.highestOneBit(qsize);
        int seg = has(F_SEG_MAX) ? cfg.getInt(CFG_SEG_MAX) : 0;
        this.segMax = seg <= 0 ? qsize - 2 : Math.min(seg, qsize - 2);
        int sm = has(F_SIZE_MAX) ? cfg.getInt(CFG_SIZE_MAX) : 0;
        this.sizeMax = sm <= 0 ? MAX_REQUEST : Math.max(sectorSize, Math.min(sm, MAX_REQUEST) / sectorSize * sectorSize);
        this.maxData = (int) Math.max(sectorSize, Math.min((long) segMax * sizeMax, MAX_REQUEST) / sectorSize * sectorSize);
        long md = has(F_DISCARD) ? cfg.getInt(CFG_MAX_DISCARD_SECTORS) & 0xffffffffL : 0;
        this.maxDiscard = md == 0 ? 1 << 22 : md;
        long mz = has(F_WRITE_ZEROES) ? cfg.getInt(CFG_MAX_WRITE_ZEROES_SECTORS) & 0xffffffffL : 0;
        this.maxWriteZeroes = mz == 0 ? 1 << 22 : mz;
        boolean callerWaits = t.callerWaits();
        this.vq = t.startQueue(0, qsize, features, segMax + 2, callerWaits ? null : this::onUsed);
        this.waits = callerWaits ? new CallerWaits(new QueueSignal(t, vq, this::reap, lock), lock) : null;
        t.onFailure(this::disconnect);
        Negotiation.driverOk(t);
    }

    /**
     * Initialises the device behind {@code t} and returns it as a block device.
     *
     * @param name the device's name in messages ("vda")
     * @param timeoutNanos how long one request may take before the device counts as gone
     */
    public static VirtioBlk open(Transport t, String name, long timeoutNanos) throws ErrnoException {
        long wanted = Virtio.bit(Virtio.F_VERSION_1) | Virtio.bit(Virtio.F_EVENT_IDX) | Virtio.bit(Virtio.F_INDIRECT_DESC)
                | Virtio.bit(F_SIZE_MAX) | Virtio.bit(F_SEG_MAX) | Virtio.bit(F_RO) | Virtio.bit(F_BLK_SIZE) | Virtio.bit(F_FLUSH)
                | Virtio.bit(F_DISCARD) | Virtio.bit(F_WRITE_ZEROES);
        try {
            long features = Negotiation.begin(t, Virtio.ID_BLOCK, wanted, 0);
            return new VirtioBlk(t, name, features, timeoutNanos);
        } catch (ErrnoException e) {
            t.close();
            throw e;
        }
    }

    private boolean has(int feature) {
        return Virtio.has(features, feature);
    }

    /** The negotiated feature bits. */
    public long features() {
        return features;
    }

    @Override
    public int sectorSize() {
        return sectorSize;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean isReadOnly() {
        return readOnly;
    }

    /** Segments per request and bytes per segment the device takes. */
    public int segMax() {
        return segMax;
    }

    public int sizeMax() {
        return sizeMax;
    }

    /** Why the device was disconnected, or null. */
    public String disconnectReason() {
        return disconnected;
    }

    /**
     * A buffer in the memory the device shares, for callers that want no copy: reads and writes
     * through it go to the device as they are. Its contents are undefined; release it with
     * {@link #releaseSharedBuffer}. The device can read and write it at any time, as it can all
     * of the shared memory.
     *
     * @throws ErrnoException ENOMEM when the shared memory has no room for it
     */
    public ByteBuffer sharedBuffer(int bytes) throws ErrnoException {
        checkOpen("shared-buffer");
        return mem.slice(dma.alloc(bytes), bytes);
    }

    /** Returns a buffer from {@link #sharedBuffer}; it must not be used afterwards. */
    public void releaseSharedBuffer(ByteBuffer b) {
        long gpa = mem.gpaOf(b.clear());
        if (gpa < 0) {
            throw new IllegalArgumentException("not a shared buffer of " + name);
        }
        dma.free(gpa, b.capacity());
    }

    /** One request on its way: its header (and bounce) buffer, the data's place, and how it ends. */
    private static final class Request {
        final long gpa;
        final int bytes;
        /** Where the data is: inside the bounce buffer, or the caller's own shared buffer. */
        final long data;
        final int dataLen;
        final Completion done = new Completion();
        /** Where IN data is copied to from the bounce buffer; null when it needs no copy. */
        ByteBuffer dst;

        Request(long gpa, int bytes, long data, int dataLen) {
            this.gpa = gpa;
            this.bytes = bytes;
            this.data = data;
            this.dataLen = dataLen;
        }
    }

    @Override
    public void read(long sector, ByteBuffer dst) throws ErrnoException {
        ops.readLock().lock();
        try {
            transfer("read", T_IN, sector, dst);
        } finally {
            ops.readLock().unlock();
        }
    }

    @Override
    public void write(long sector, ByteBuffer src) throws ErrnoException {
        if (readOnly) {
            throw new ErrnoException(Errno.EROFS, name + ": write: the device is read-only");
        }
        ops.readLock().lock();
        try {
            transfer("write", T_OUT, sector, src);
        } finally {
            ops.readLock().unlock();
        }
    }

    private void transfer(String call, int type, long sector, ByteBuffer buf) throws ErrnoException {
        int len = buf.remaining();
        checkRange(call, sector, len);
        long vsector = sector * (sectorSize / SECTOR);
        ArrayDeque<Request> window = new ArrayDeque<>();
        long shared = len == 0 ? -1 : mem.gpaOf(buf);
        try {
            int done = 0;
            int most = shared >= 0 ? maxData : Math.min(maxData, BOUNCE_REQUEST);
            while (done < len) {
                int n = Math.min(most, len - done);
                Request r;
                if (shared >= 0) {
                    r = submit(call, type, vsector + done / SECTOR, null, 0, shared + done, n);
                } else if (type == T_OUT) {
                    ByteBuffer src = buf.slice(buf.position() + done, n);
                    r = submit(call, T_OUT, vsector + done / SECTOR, src, 0, -1, 0);
                } else {
                    r = submit(call, T_IN, vsector + done / SECTOR, null, n, -1, 0);
                    r.dst = buf.slice(buf.position() + done, n);
                }
                window.add(r);
                done += n;
                if (window.size() >= WINDOW) {
                    finish(call, sector, window.poll());
                }
            }
            while (!window.isEmpty()) {
                finish(call, sector, window.poll());
            }
        } finally {
            for (Request r : window) {
                settle(r);
            }
        }
        buf.position(buf.position() + len);
    }

    private void checkRange(String call, long sector, long len) throws ErrnoException {
        if (len % sectorSize != 0 || sector < 0 || sector > size / sectorSize || len > size - sector * sectorSize) {
            throw new ErrnoException(Errno.EINVAL, String.format("%s: %s: %d bytes at sector %d (device of %d sectors of %d bytes)", name,
                    call, len, sector, size / sectorSize, sectorSize));
        }
    }

    /**
     * Puts one request on the ring. {@code out} is data for the device (copied into the bounce
     * buffer), {@code inLen} bytes of data come back into the bounce buffer; or the data is the
     * caller's {@code sharedLen} bytes at {@code sharedGpa}, which the device reads (OUT) or
     * writes (IN) in place.
     */
    private Request submit(String call, int type, long vsector, ByteBuffer out, int inLen, long sharedGpa, int sharedLen)
            throws ErrnoException {
        checkOpen(call);
        int outLen = out == null ? 0 : out.remaining();
        int bounceLen = outLen + inLen;
        int bytes = PREFIX + bounceLen;
        long deadline = System.nanoTime() + timeoutNanos;
        long gpa = dma.alloc(bytes, timeoutNanos);
        long data = sharedGpa >= 0 ? sharedGpa : gpa + PREFIX;
        int dataLen = sharedGpa >= 0 ? sharedLen : bounceLen;
        Request r = new Request(gpa, bytes, data, dataLen);
        mem.putInt(gpa, type);
        mem.putInt(gpa + 4, 0);
        mem.putLong(gpa + 8, vsector);
        mem.putByte(gpa + STATUS_AT, 0xff); // "no status": a device that writes none is caught
        if (out != null) {
            mem.slice(data, outLen).put(out.duplicate());
        }
        boolean deviceWrites = type != T_OUT && type != T_DISCARD && type != T_WRITE_ZEROES;
        List<Segment> segs = new ArrayList<>(3 + dataLen / sizeMax);
        segs.add(Segment.out(gpa, HEADER_SIZE));
        for (int off = 0; off < dataLen; off += sizeMax) {
            int n = Math.min(sizeMax, dataLen - off);
            segs.add(new Segment(data + off, n, deviceWrites));
        }
        segs.add(Segment.in(gpa + STATUS_AT, 1));
        while (true) {
            boolean added;
            boolean kick = false;
            synchronized (lock) {
                checkOpen(call);
                added = vq.add(segs, r);
                if (added) {
                    kick = vq.needsNotify();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        dma.free(gpa, bytes);
                        throw new ErrnoException(Errno.EIO, name + ": " + call + ": no free descriptor within the timeout");
                    }
                    if (waits == null) {
                        try {
                            lock.wait(Math.max(1, left / 1_000_000));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            dma.free(gpa, bytes);
                            throw new ErrnoException(Errno.EINTR, name + ": " + call + ": interrupted");
                        }
                        continue;
                    }
                }
            }
            if (added) {
                if (kick) {
                    // outside the lock (Linux's virtqueue_kick_prepare/virtqueue_notify split): the system
                    // call holds up neither the other submitters nor the reaping leader
                    try {
                        transport.notify(vq);
                    } catch (ErrnoException e) {
                        disconnect("notify failed: " + e.getMessage());
                    }
                }
                return r;
            }
            try {
                waits.awaitRoom(deadline); // only a caller takes chains back: lead, or wait for the leader
            } catch (ErrnoException e) {
                dma.free(gpa, bytes);
                throw e;
            }
        }
    }

    /** Waits for a request and checks its status; frees its buffer. */
    private void finish(String call, long sector, Request r) throws ErrnoException {
        long deadline = System.nanoTime() + timeoutNanos;
        boolean answered = waits != null ? waits.await(r.done, deadline) : r.done.await(deadline);
        if (!answered) {
            reap(); // a lost interrupt is not a dead device: look at the ring once more
            answered = r.done.await(System.nanoTime());
        }
        if (!answered) {
            disconnect("no answer to a " + call + " within " + timeoutNanos / 1_000_000 + " ms");
            throw new ErrnoException(Errno.EIO, name + ": " + call + ": " + disconnected);
        }
        r.done.result(); // EIO when the device went away instead of answering
        int status = mem.getByte(r.gpa + STATUS_AT) & 0xff;
        try {
            if (status == S_OK && r.dst != null) {
                r.dst.put(mem.slice(r.data, r.dataLen));
            }
        } finally {
            dma.free(r.gpa, r.bytes);
        }
        if (status == S_UNSUPP) {
            throw new ErrnoException(Errno.EOPNOTSUPP, name + ": " + call + " at sector " + sector + ": the device does not support it");
        }
        if (status != S_OK) {
            throw new ErrnoException(Errno.EIO, name + ": " + call + " at sector " + sector + ": the device reports "
                    + (status == S_IOERR ? "an I/O error" : status == 0xff ? "no status" : "status " + status));
        }
    }

    /**
     * A request left in flight when an earlier one of the same transfer failed: waits for the
     * device to finish it, then frees its buffer. If the device is gone instead, the buffer is
     * never reused (the device might still write it); closing releases all the memory.
     */
    private void settle(Request r) {
        try {
            long deadline = System.nanoTime() + timeoutNanos;
            if (waits != null ? waits.await(r.done, deadline) : r.done.await(deadline)) {
                r.done.result(); // EIO when the device went away: the buffer stays out of use
                if (disconnected == null) {
                    dma.free(r.gpa, r.bytes);
                }
            }
        } catch (ErrnoException e) {
            // disconnected: keep the buffer out of use
        }
    }

    /** The device signalled (on the transport's thread): takes back every used chain. */
    private void onUsed() {
        reap();
    }

    /**
     * Takes back every used chain, completing each (which wakes its caller), and re-enables
     * interrupts; returns how many came back. The chains are taken under the lock, but completed
     * after it is released: a completion's wake-up is a system call, and a batch of them held
     * under the lock would stall every submitter for its length.
     */
    private int reap() {
        List<SplitQueue.Used> used = new ArrayList<>();
        synchronized (lock) {
            try {
                while (true) {
                    SplitQueue.Used u;
                    while ((u = vq.poll()) != null) {
                        used.add(u);
                    }
                    if (!vq.enableInterrupts()) {
                        break;
                    }
                }
            } catch (ErrnoException e) {
                disconnectLocked(e.detail());
            }
            if (!used.isEmpty()) {
                lock.notifyAll(); // descriptors came back: submitters waiting for room try again
            }
        }
        for (SplitQueue.Used u : used) {
            ((Request) u.token()).done.complete(u.len());
        }
        return used.size();
    }

    /** The device cannot be trusted any more: fail everything, now and later. */
    private void disconnect(String why) {
        synchronized (lock) {
            disconnectLocked(why);
        }
    }

    private void disconnectLocked(String why) {
        if (disconnected != null) {
            return;
        }
        disconnected = "device disconnected: " + why;
        vq.breakQueue(why);
        for (Object o : vq.drain()) {
            ((Request) o).done.fail(name + ": " + disconnected);
        }
        lock.notifyAll();
        transport.disconnect();
    }

    private void checkOpen(String call) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENXIO, name + ": " + call + ": device closed");
        }
        String d = disconnected;
        if (d != null) {
            throw new ErrnoException(Errno.EIO, name + ": " + call + ": " + d);
        }
    }

    @Override
    public void flush() throws ErrnoException {
        if (!has(F_FLUSH)) {
            checkOpen("flush");
            return; // no write cache: every completed write is durable (5.2.6.2)
        }
        ops.readLock().lock();
        try {
            finish("flush", 0, submit("flush", T_FLUSH, 0, null, 0, -1, 0));
        } finally {
            ops.readLock().unlock();
        }
    }

    /** The device's serial number (GET_ID, up to 20 bytes, NUL-padded). */
    public String id() throws ErrnoException {
        Request r;
        ops.readLock().lock();
        try {
            r = submit("get-id", T_GET_ID, 0, null, ID_BYTES, -1, 0);
            r.dst = ByteBuffer.allocate(ID_BYTES);
            finish("get-id", 0, r);
        } finally {
            ops.readLock().unlock();
        }
        byte[] b = r.dst.array();
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }

    /** Does nothing when the device does not offer DISCARD. */
    @Override
    public void discard(long sector, long count) throws ErrnoException {
        checkRange("discard", sector, count * sectorSize);
        if (has(F_DISCARD)) {
            ranges("discard", T_DISCARD, sector, count, maxDiscard, 0);
        }
    }

    /** Zeroes sectors: WRITE_ZEROES when the device has it (letting it unmap), else writes of zeroes. */
    public void writeZeroes(long sector, long count) throws ErrnoException {
        if (readOnly) {
            throw new ErrnoException(Errno.EROFS, name + ": write-zeroes: the device is read-only");
        }
        checkRange("write-zeroes", sector, count * sectorSize);
        if (has(F_WRITE_ZEROES)) {
            ranges("write-zeroes", T_WRITE_ZEROES, sector, count, maxWriteZeroes, RANGE_F_UNMAP);
            return;
        }
        ByteBuffer zeroes = ByteBuffer.allocate((int) Math.min(maxData, count * sectorSize));
        for (long done = 0; done < count;) {
            long n = Math.min(count - done, zeroes.capacity() / sectorSize);
            write(sector + done, zeroes.clear().limit((int) (n * sectorSize)));
            done += n;
        }
    }

    private void ranges(String call, int type, long sector, long count, long max, int flags) throws ErrnoException {
        ops.readLock().lock();
        try {
            rangesLocked(call, type, sector, count, max, flags);
        } finally {
            ops.readLock().unlock();
        }
    }

    private void rangesLocked(String call, int type, long sector, long count, long max, int flags) throws ErrnoException {
        long per = sectorSize / SECTOR;
        long vs = sector * per;
        long vleft = count * per;
        long limit = Math.max(per, max / per * per);
        while (vleft > 0) {
            long n = Math.min(vleft, limit);
            ByteBuffer range = ByteBuffer.allocate(RANGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            range.putLong(0, vs).putInt(8, (int) n).putInt(12, flags);
            finish(call, vs / per, submit(call, type, 0, range, 0, -1, 0));
            vs += n;
            vleft -= n;
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (Object o : vq.drain()) {
                ((Request) o).done.fail(name + ": device closed");
            }
            lock.notifyAll();
        }
        boolean idle = false;
        try {
            idle = ops.writeLock().tryLock(timeoutNanos + 1_000_000_000L, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (idle) {
            transport.close();
            ops.writeLock().unlock();
        } else {
            transport.disconnect(); // a caller still copies: keep the memory rather than pull it from under it
        }
    }

    @Override
    public String toString() {
        return "VirtioBlk[" + name + ", " + transport.describe() + "]";
    }
}
