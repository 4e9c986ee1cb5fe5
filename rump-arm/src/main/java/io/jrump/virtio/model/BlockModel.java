package io.jrump.virtio.model;

import static io.jrump.virtio.blk.BlkWire.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.GuestMemory;
import io.jrump.virtio.Segment;
import io.jrump.virtio.Virtio;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A virtio-blk device over a disk in JVM memory (virtio 1.2 section 5.2), for tests and fault
 * injection. It serves IN, OUT, FLUSH, GET_ID, DISCARD and WRITE_ZEROES, announces the size
 * and segment limits it enforces, and checks each request the way a strict device would: a
 * header or status buffer of the wrong size, data past the disk or not whole sectors is
 * answered IOERR, a write to a read-only disk IOERR, an unknown type UNSUPP.
 */
public final class BlockModel extends MmioDeviceModel {
    /** Limits the model announces and enforces. */
    public static final int SIZE_MAX = 64 * 1024;
    public static final int SEG_MAX = 32;
    public static final int QUEUE_MAX = 128;

    private final ByteBuffer disk;
    private final boolean readOnly;
    private final int blkSize;
    private final String id;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong flushes = new AtomicLong();
    private volatile int maxInFlightSeen;
    /** A sector that reads and writes covering it fail on (a medium error), or -1. */
    private volatile long badSector = -1;

    public BlockModel(GuestMemory mem, int version, ByteBuffer disk, boolean readOnly, int blkSize, String id) {
        super(Virtio.ID_BLOCK, version, features(readOnly), 1, QUEUE_MAX, mem);
        this.disk = disk.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.readOnly = readOnly;
        this.blkSize = blkSize;
        this.id = id;
    }

    private static long features(boolean readOnly) {
        long f = Virtio.bit(Virtio.F_INDIRECT_DESC) | Virtio.bit(Virtio.F_EVENT_IDX) | Virtio.bit(F_SIZE_MAX) | Virtio.bit(F_SEG_MAX)
                | Virtio.bit(F_BLK_SIZE) | Virtio.bit(F_FLUSH) | Virtio.bit(F_DISCARD) | Virtio.bit(F_WRITE_ZEROES);
        return readOnly ? f | Virtio.bit(F_RO) : f;
    }

    /** Requests served. */
    public long requests() {
        return requests.get();
    }

    public long flushes() {
        return flushes.get();
    }

    /**
     * Makes reads and writes whose range covers {@code sector} (in 512-byte units) fail with
     * IOERR, as a disk with a bad sector does, while every other request succeeds; -1 heals it.
     * A failed write changes nothing on the disk.
     */
    public void badSector(long sector) {
        this.badSector = sector;
    }

    private boolean coversBad(long pos, long len) {
        long bad = badSector;
        return bad >= 0 && bad * SECTOR >= pos && bad * SECTOR < pos + len;
    }

    /** The most chains seen waiting at one notification. */
    public int maxInFlightSeen() {
        return maxInFlightSeen;
    }

    @Override
    protected int configByte(int off) {
        ByteBuffer c = ByteBuffer.allocate(CFG_SIZE + 4).order(ByteOrder.LITTLE_ENDIAN);
        c.putLong(CFG_CAPACITY, disk.capacity() / SECTOR);
        c.putInt(CFG_SIZE_MAX, SIZE_MAX);
        c.putInt(CFG_SEG_MAX, SEG_MAX);
        c.putInt(CFG_BLK_SIZE, blkSize);
        c.putShort(CFG_NUM_QUEUES, (short) 1);
        c.putInt(CFG_MAX_DISCARD_SECTORS, 1 << 16);
        c.putInt(CFG_MAX_DISCARD_SEG, 1);
        c.putInt(CFG_DISCARD_SECTOR_ALIGNMENT, blkSize / SECTOR);
        c.putInt(CFG_MAX_WRITE_ZEROES_SECTORS, 1 << 16);
        c.putInt(CFG_MAX_WRITE_ZEROES_SEG, 1);
        c.put(CFG_WRITE_ZEROES_MAY_UNMAP, (byte) 1);
        return off < c.capacity() ? c.get(off) : 0;
    }

    @Override
    protected void serve(int q) throws ErrnoException {
        DeviceQueue dq = queue(q);
        if (dq == null) {
            return;
        }
        java.util.ArrayList<DeviceQueue.Chain> batch = new java.util.ArrayList<>();
        for (DeviceQueue.Chain c; (c = dq.next()) != null;) {
            batch.add(c);
        }
        maxInFlightSeen = Math.max(maxInFlightSeen, batch.size());
        for (DeviceQueue.Chain c : batch) {
            if (fault() == Fault.STOP_ANSWERING) {
                return;
            }
            int written = handle(c);
            requests.incrementAndGet();
            complete(dq, c, written);
        }
    }

    /** Serves one request; returns the bytes written into the chain (data and status). */
    private int handle(DeviceQueue.Chain c) throws ErrnoException {
        List<Segment> out = c.readable();
        List<Segment> in = c.writable();
        if (out.isEmpty() || out.get(0).len() < HEADER_SIZE || in.isEmpty() || in.get(in.size() - 1).len() < 1) {
            throw new ErrnoException(Errno.EIO, "virtio-blk request without header or status");
        }
        Segment statusSeg = in.get(in.size() - 1);
        long statusAt = statusSeg.gpa() + statusSeg.len() - 1;
        ByteBuffer hdr = mem.slice(out.get(0).gpa(), HEADER_SIZE);
        int type = hdr.getInt(0);
        long sector = hdr.getLong(8);
        int status;
        int written = 1;
        if (fault() == Fault.IO_ERROR) {
            status = S_IOERR;
        } else {
            switch (type) {
                case T_IN -> {
                    status = S_OK;
                    long pos = sector * SECTOR;
                    int n = dataSegments(c.writable());
                    if (!fits(pos, totalLen(in, n)) || n > SEG_MAX || coversBad(pos, totalLen(in, n))) {
                        status = S_IOERR;
                    } else {
                        for (int i = 0; i < n; i++) {
                            Segment s = in.get(i);
                            int len = i == n - 1 ? s.len() - (s == statusSeg ? 1 : 0) : s.len();
                            ByteBuffer src = disk.slice((int) pos, len);
                            mem.slice(s.gpa(), len).put(src);
                            pos += len;
                            written += len;
                        }
                    }
                }
                case T_OUT -> {
                    long pos = sector * SECTOR;
                    int total = 0;
                    for (int i = 1; i < out.size(); i++) {
                        total += out.get(i).len();
                    }
                    int extra = out.get(0).len() - HEADER_SIZE;
                    total += extra;
                    if (readOnly || !fits(pos, total) || out.size() > SEG_MAX + 1 || coversBad(pos, total)) {
                        status = S_IOERR;
                    } else {
                        if (extra > 0) {
                            disk.put((int) pos, mem.slice(out.get(0).gpa() + HEADER_SIZE, extra), 0, extra);
                            pos += extra;
                        }
                        for (int i = 1; i < out.size(); i++) {
                            Segment s = out.get(i);
                            disk.put((int) pos, mem.slice(s.gpa(), s.len()), 0, s.len());
                            pos += s.len();
                        }
                        status = S_OK;
                    }
                }
                case T_FLUSH -> {
                    flushes.incrementAndGet();
                    status = S_OK;
                }
                case T_GET_ID -> {
                    Segment s = in.get(0);
                    if (s == statusSeg || s.len() < ID_BYTES) {
                        status = S_IOERR;
                    } else {
                        byte[] b = java.util.Arrays.copyOf(id.getBytes(StandardCharsets.US_ASCII), ID_BYTES);
                        mem.slice(s.gpa(), ID_BYTES).put(b);
                        written += ID_BYTES;
                        status = S_OK;
                    }
                }
                case T_DISCARD, T_WRITE_ZEROES -> status = ranges(out, type);
                default -> status = S_UNSUPP;
            }
        }
        mem.putByte(statusAt, status);
        return written;
    }

    private int ranges(List<Segment> out, int type) throws ErrnoException {
        if (readOnly) {
            return S_IOERR;
        }
        for (int i = 1; i < out.size(); i++) {
            Segment s = out.get(i);
            if (s.len() % RANGE_SIZE != 0) {
                return S_IOERR;
            }
            ByteBuffer r = mem.slice(s.gpa(), s.len());
            for (int at = 0; at < s.len(); at += RANGE_SIZE) {
                long sector = r.getLong(at);
                long count = r.getInt(at + 8) & 0xffffffffL;
                if (!fits(sector * SECTOR, count * SECTOR)) {
                    return S_IOERR;
                }
                for (long b = sector * SECTOR; b < (sector + count) * SECTOR; b++) {
                    disk.put((int) b, (byte) 0); // both leave zeroes behind in this model
                }
            }
        }
        return S_OK;
    }

    /** Segments of {@code in} that carry data: all but the status byte (which may share the last segment). */
    private static int dataSegments(List<Segment> in) {
        Segment last = in.get(in.size() - 1);
        return last.len() == 1 ? in.size() - 1 : in.size();
    }

    private static int totalLen(List<Segment> in, int n) {
        int t = 0;
        for (int i = 0; i < n; i++) {
            t += in.get(i).len();
        }
        if (n == in.size()) {
            t -= 1;
        }
        return t;
    }

    private boolean fits(long pos, long len) {
        return pos >= 0 && len >= 0 && len % SECTOR == 0 && pos + len <= disk.capacity();
    }

    /** The disk's bytes, for checks. */
    public ByteBuffer disk() {
        return disk.duplicate();
    }
}
