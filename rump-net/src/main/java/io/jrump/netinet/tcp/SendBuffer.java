package io.jrump.netinet.tcp;

import io.jrump.api.FrameLease;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * A connection's send buffer: the bytes from SND.UNA on, in chunks that each leave room for the
 * headers in front of their first byte, so that a segment starting at a chunk can go out in the
 * chunk's own memory ({@link #lend}) instead of being copied into a new frame, as Linux's TCP
 * sends an skb from its write queue. A chunk lent that way is shared with the device and
 * whoever it hands the frame to, so its bytes up to the end of the segment never change again:
 * a retransmission copies ({@link #copyOut}), and appending only writes beyond them.
 *
 * <p>Chunks are sized by the writes that fill them, between {@link #MIN_CHUNK} and the segment
 * size of the connection (one chunk per segment once segments reach an Ethernet MSS, so that
 * each goes out in place), so a connection that sends little holds little; memory is taken on
 * the first write and dropped as acknowledgments free whole chunks. An acknowledged chunk is
 * kept for reuse ({@link #RETIRED}) and filled again once its {@link FrameLease} says that no
 * device or receiver still uses it: a bulk sender then cycles through a few dozen arrays
 * instead of allocating 64 KiB per segment.
 */
final class SendBuffer {
    /** Smallest chunk allocated: a small write does not cost a 64 KiB chunk. */
    static final int MIN_CHUNK = 2 << 10;

    private final int capacity;
    /** Bytes kept free in front of every chunk's data: link, IP and the longest TCP header. */
    private final int headroom;
    /** The chunks from {@link #first} on, in stream order; acknowledged ones before {@code first} are compacted away now and then. */
    private final ArrayList<Chunk> chunks = new ArrayList<>(4);
    private int first;
    /**
     * Lookup cursor: chunk {@code cursor} starts {@code cursorBase} bytes from the front.
     * Segments are built at rising offsets, so a lookup resumes from the last one instead of
     * walking a window's worth of chunks from the front for every segment.
     */
    private int cursor;
    private int cursorBase;
    /** Acknowledged chunks, oldest first, waiting for their memory to be free for reuse; made on first need. */
    private ArrayDeque<Chunk> retired;
    /** Bound on {@link #retired}: about a receive window of offloaded segments. */
    static final int RETIRED = 48;
    /** Memory bound on {@link #retired}: {@link #RETIRED} chunks of a 64 KiB offloaded segment. */
    private static final int RETIRED_BYTES = RETIRED * (64 << 10);
    /** The segment size the connection builds: chunks hold one such segment, or whole multiples of small ones. */
    private int segmentBytes = MIN_CHUNK;
    private int size;

    /** One array: {@code headroom} free bytes, then data from {@code start} to {@code end}. */
    private static final class Chunk {
        final byte[] array;
        /** Index of the first byte still held (acknowledged bytes before it are gone). */
        int start;
        int end;
        /** Whether the chunk's first bytes went out in its own memory: no second header fits in front. */
        boolean lent;
        /** Who else uses the memory while it is lent; made on the first loan and kept with the array. */
        FrameLease lease;

        Chunk(int headroom, int dataBytes) {
            array = new byte[headroom + dataBytes];
            start = headroom;
            end = headroom;
        }

        /** Empty and unlent again, for new data. */
        void reset(int headroom) {
            start = headroom;
            end = headroom;
            lent = false;
        }

        boolean free() {
            return lease == null || lease.isFree();
        }

        int length() {
            return end - start;
        }

        int room() {
            return array.length - end;
        }
    }

    SendBuffer(int capacity, int headroom) {
        this.capacity = capacity;
        this.headroom = headroom;
    }

    /** The connection builds segments of {@code bytes}: new chunks are cut to match. */
    void segmentBytes(int bytes) {
        segmentBytes = Math.max(1, bytes);
    }

    /**
     * Data capacity of a new chunk, for {@code left} bytes still to append to {@code size}
     * buffered. Segments end at chunk ends ({@link #runFrom}), so a chunk holds exactly one
     * large (offloaded) segment, or a whole number of small ones.
     */
    private int newChunkBytes(int left) {
        if (segmentBytes >= MIN_CHUNK || segmentBytes >= MIN_SEGMENT_CHUNK && size + left >= segmentBytes) {
            // a stream that fills segments gets whole-segment chunks; a trickle gets small ones
            return size + left >= segmentBytes ? segmentBytes : Math.max(MIN_CHUNK, left);
        }
        int want = Math.max(MIN_CHUNK, Math.min(left, MAX_SMALL_SEGMENTS_CHUNK));
        return (want + segmentBytes - 1) / segmentBytes * segmentBytes;
    }

    /** Bound on a chunk of small segments: large enough that chunk overhead does not matter. */
    private static final int MAX_SMALL_SEGMENTS_CHUNK = 64 << 10;
    /**
     * Segments of at least this size (an Ethernet MSS is 1,448 or 1,460 bytes) get a chunk
     * each once the stream fills them: every first transmission then goes out in place
     * ({@link #lend}) instead of being copied into a new frame, and the headroom in front of
     * each costs under a tenth of its size.
     */
    static final int MIN_SEGMENT_CHUNK = 1 << 10;

    int capacity() {
        return capacity;
    }

    int size() {
        return size;
    }

    int free() {
        return capacity - size;
    }

    /** Appends as much of {@code src} as fits; returns how much. */
    int append(ByteBuffer src) {
        int n = Math.min(free(), src.remaining());
        int left = n;
        while (left > 0) {
            Chunk tail = chunks.size() > first ? chunks.get(chunks.size() - 1) : null;
            if (tail == null || tail.room() == 0) {
                tail = newChunk(newChunkBytes(left));
                chunks.add(tail);
            }
            int k = Math.min(left, tail.room());
            src.get(tail.array, tail.end, k);
            tail.end += k;
            left -= k;
            size += k;
        }
        return n;
    }

    /** A chunk for {@code dataBytes}: the oldest retired one when it fits and its memory is free, else a new one. */
    private Chunk newChunk(int dataBytes) {
        Chunk r = retired == null ? null : retired.peekFirst();
        if (r != null && r.array.length == headroom + dataBytes && r.free()) {
            retired.pollFirst();
            r.reset(headroom);
            return r;
        }
        return new Chunk(headroom, dataBytes);
    }

    /** An acknowledged chunk: the sender's use of its memory ends; it waits in {@link #retired} for reuse. */
    private void retire(Chunk c) {
        if (c.lent) {
            c.lease.release();
        }
        if (retired == null) {
            retired = new ArrayDeque<>();
        } else if (retired.size() >= retiredLimit(c)) {
            retired.pollFirst();
        }
        retired.addLast(c);
    }

    /**
     * How many chunks like {@code c} to keep for reuse: {@link #RETIRED}, or as many more as fit
     * in the memory that many offloaded segments' chunks take, so one-segment chunks of an
     * Ethernet MSS cycle through a window's worth too instead of being allocated per segment.
     */
    private static int retiredLimit(Chunk c) {
        return Math.max(RETIRED, RETIRED_BYTES / c.array.length);
    }

    /** Drops {@code n} acknowledged bytes from the front. */
    void skip(int n) {
        size -= n;
        cursorBase -= n;
        while (n > 0) {
            Chunk c = chunks.get(first);
            int k = Math.min(n, c.length());
            c.start += k;
            n -= k;
            if (c.length() == 0) {
                if (chunks.size() - first == 1 && !c.lent) {
                    c.reset(headroom); // nobody else saw these bytes: fill the array again
                } else {
                    chunks.set(first++, null);
                    retire(c);
                }
            }
        }
        if (cursor < first || cursorBase < 0) {
            cursor = first;
            cursorBase = 0;
        }
        if (first > 16 && first * 2 > chunks.size()) {
            chunks.subList(0, first).clear();
            cursor -= first;
            first = 0;
        }
    }

    /** The index of the chunk holding the byte {@code off} from the front (or one past the last); {@link #cursorBase} is its start. */
    private int find(int off) {
        if (off < cursorBase) {
            cursor = first;
            cursorBase = 0;
        }
        while (cursor < chunks.size() && off >= cursorBase + chunks.get(cursor).length()) {
            cursorBase += chunks.get(cursor).length();
            cursor++;
        }
        return cursor;
    }

    /** Copies {@code n} bytes starting {@code off} bytes from the front into {@code dst}. */
    void copyOut(int off, ByteBuffer dst, int n) {
        int i = find(off);
        off -= cursorBase;
        while (n > 0) {
            Chunk c = chunks.get(i++);
            int k = Math.min(n, c.length() - off);
            dst.put(c.array, c.start + off, k);
            off = 0;
            n -= k;
        }
    }

    /** Bytes from {@code off} to the end of the data of the chunk holding it: where a segment from there should end. */
    int runFrom(int off) {
        int i = find(off);
        return i < chunks.size() ? chunks.get(i).length() - (off - cursorBase) : 0;
    }

    /**
     * Bytes that can go out in place from {@code off}: the data of the chunk starting exactly
     * there, if it has not been lent yet; 0 otherwise.
     */
    int lendable(int off) {
        int i = find(off);
        if (i == chunks.size() || off != cursorBase) {
            return 0;
        }
        Chunk c = chunks.get(i);
        return c.start == headroom && !c.lent ? c.length() : 0;
    }

    /**
     * The chunk starting {@code off} bytes from the front as a frame buffer for a segment of its
     * first {@code n} bytes (at most {@link #lendable}) behind a header of {@code headerBytes}:
     * positioned at the header, limited at the segment's end, with the rest of the headroom
     * before it. Those bytes are shared from now on and never written again.
     */
    ByteBuffer lend(int off, int n, int headerBytes) {
        int i = find(off);
        if (i == chunks.size()) {
            throw new IllegalStateException("nothing to lend at " + off);
        }
        Chunk c = chunks.get(i);
        c.lent = true;
        if (c.lease == null) {
            c.lease = FrameLease.forArray(c.array);
        }
        c.lease.lend();
        return ByteBuffer.wrap(c.array, 0, c.start + n).position(c.start - headerBytes);
    }

    /** The lease of the chunk starting {@code off} bytes from the front, once {@linkplain #lend lent}. */
    FrameLease lease(int off) {
        return chunks.get(find(off)).lease;
    }

    /** Frame memory lent for one segment ({@link #scratch}): the buffer and the loan to end once it is sent. */
    record Scratch(ByteBuffer buffer, FrameLease lease) {
    }

    /**
     * Memory for a segment that cannot go out in place (one starting inside a chunk, or a
     * retransmission): the array of the oldest acknowledged chunk kept for reuse, when nobody
     * uses its memory any more and it holds {@code bytes}, lent for the segment; null otherwise
     * (the caller allocates). The caller ends its loan once the segment is handed down; the
     * array stays among the kept chunks and is filled again only once its lease is free. A
     * large segment cut into frames by the interface (software GSO) is copied twice otherwise,
     * into a new zeroed array and out of it, for every segment that starts inside a chunk.
     */
    Scratch scratch(int bytes) {
        Chunk r = retired == null ? null : retired.peekFirst();
        if (r == null || r.array.length < bytes || !r.free()) {
            return null;
        }
        retired.addLast(retired.pollFirst());
        if (r.lease == null) {
            r.lease = FrameLease.forArray(r.array);
        }
        return new Scratch(ByteBuffer.wrap(r.array, 0, bytes), r.lease.lend());
    }

    /** Drops every chunk (the connection is gone). */
    void release() {
        for (int i = first; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            if (c.lent) {
                c.lease.release();
            }
        }
        chunks.clear();
        first = 0;
        cursor = 0;
        cursorBase = 0;
        retired = null;
        size = 0;
    }
}
