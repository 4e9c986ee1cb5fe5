package io.jrump.net.wire;

import java.nio.ByteBuffer;

/**
 * The TCP options this stack understands, parsed from or written into the options area of a
 * {@link TcpSegment}: maximum segment size (RFC 9293 section 3.2), window scale and
 * timestamps (RFC 7323), SACK-permitted and SACK blocks (RFC 2018). Unknown options are
 * skipped by their length.
 *
 * <p>A mutable value, reused per segment: {@link #parse} fills it (and rejects an options
 * area whose lengths do not add up, so a malformed segment is dropped rather than
 * half-understood); the setters describe what to send and {@link #write} lays it out with
 * NOP padding to a multiple of four bytes.
 */
public final class TcpOptions {
    public static final int KIND_END = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WSCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;

    private static final int LEN_MSS = 4;
    private static final int LEN_WSCALE = 3;
    private static final int LEN_SACK_PERMITTED = 2;
    private static final int LEN_TIMESTAMPS = 10;
    /** NOP, NOP, kind 8, length 10: the first word of timestamps laid out as RFC 7323 appendix A recommends. */
    private static final int ALIGNED_TIMESTAMPS = KIND_NOP << 24 | KIND_NOP << 16 | KIND_TIMESTAMPS << 8 | LEN_TIMESTAMPS;
    private static final int ALIGNED_TIMESTAMPS_LENGTH = 12;
    /** Four blocks fill the 40-byte options area; with timestamps only three fit. */
    public static final int MAX_SACK_BLOCKS = 4;
    /** Largest shift allowed by RFC 7323 section 2.3. */
    public static final int MAX_WSCALE = 14;

    private int mss = -1;
    private int wscale = -1;
    private boolean sackPermitted;
    private boolean timestamps;
    private int tsVal;
    private int tsEcr;
    /** Edges of the SACK blocks; made on the first block, as most segments carry none and every arriving segment is parsed into a new object. */
    private int[] sack;
    private int sackBlocks;

    /** Forgets every option. */
    public TcpOptions clear() {
        mss = -1;
        wscale = -1;
        sackPermitted = false;
        timestamps = false;
        sackBlocks = 0;
        return this;
    }

    /**
     * Reads the options of {@code seg} (which passed {@link TcpSegment#check}).
     *
     * @return false when an option's length is missing, too short, runs past the options
     *     area, or does not match the fixed length of its kind
     */
    public boolean parse(TcpSegment seg) {
        return parse(seg.buffer(), seg.optionsOffset(), seg.optionsLength());
    }

    /** Reads {@code length} bytes of options at absolute offset {@code off} of {@code b}. */
    public boolean parse(ByteBuffer b, int off, int length) {
        clear();
        if (length == ALIGNED_TIMESTAMPS_LENGTH && b.getInt(off) == ALIGNED_TIMESTAMPS) {
            // the layout RFC 7323 appendix A recommends, and what nearly every segment of an
            // established connection carries: read it at once, as Linux's fast path does
            timestamps = true;
            tsVal = b.getInt(off + 4);
            tsEcr = b.getInt(off + 8);
            return true;
        }
        int i = off;
        int end = off + length;
        while (i < end) {
            int kind = b.get(i) & 0xff;
            if (kind == KIND_END) {
                return true;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            if (i + 1 >= end) {
                return false;
            }
            int len = b.get(i + 1) & 0xff;
            if (len < 2 || i + len > end) {
                return false;
            }
            switch (kind) {
                case KIND_MSS -> {
                    if (len != LEN_MSS) {
                        return false;
                    }
                    mss = b.getShort(i + 2) & 0xffff;
                }
                case KIND_WSCALE -> {
                    if (len != LEN_WSCALE) {
                        return false;
                    }
                    // RFC 7323 2.3: a shift above 14 is used as 14.
                    wscale = Math.min(b.get(i + 2) & 0xff, MAX_WSCALE);
                }
                case KIND_SACK_PERMITTED -> {
                    if (len != LEN_SACK_PERMITTED) {
                        return false;
                    }
                    sackPermitted = true;
                }
                case KIND_SACK -> {
                    int n = (len - 2) / 8;
                    if ((len - 2) % 8 != 0 || n < 1 || n > MAX_SACK_BLOCKS) {
                        return false;
                    }
                    sackBlocks = n;
                    sackArray();
                    for (int k = 0; k < n; k++) {
                        sack[2 * k] = b.getInt(i + 2 + 8 * k);
                        sack[2 * k + 1] = b.getInt(i + 6 + 8 * k);
                    }
                }
                case KIND_TIMESTAMPS -> {
                    if (len != LEN_TIMESTAMPS) {
                        return false;
                    }
                    timestamps = true;
                    tsVal = b.getInt(i + 2);
                    tsEcr = b.getInt(i + 6);
                }
                default -> {
                    // unknown kinds are skipped by their length (RFC 9293 3.2, RFC 1122 4.2.2.5)
                }
            }
            i += len;
        }
        return true;
    }

    /** Bytes {@link #write} will produce: the options laid out, padded to a multiple of four. */
    public int length() {
        int n = 0;
        if (mss >= 0) {
            n += LEN_MSS;
        }
        if (wscale >= 0) {
            n += 1 + LEN_WSCALE; // NOP + option, keeps alignment
        }
        if (timestamps) {
            n += 2 + LEN_TIMESTAMPS; // NOP NOP + option
        }
        if (sackPermitted) {
            n += 2 + LEN_SACK_PERMITTED;
        }
        if (sackBlocks > 0) {
            n += 2 + 2 + 8 * sackBlocks;
        }
        return n;
    }

    /** Writes the options at absolute offset {@code off}; returns {@link #length()}. */
    public int write(ByteBuffer b, int off) {
        int i = off;
        if (mss >= 0) {
            b.put(i, (byte) KIND_MSS).put(i + 1, (byte) LEN_MSS).putShort(i + 2, (short) mss);
            i += LEN_MSS;
        }
        if (sackPermitted) {
            b.put(i, (byte) KIND_NOP).put(i + 1, (byte) KIND_NOP).put(i + 2, (byte) KIND_SACK_PERMITTED).put(i + 3, (byte) LEN_SACK_PERMITTED);
            i += 4;
        }
        if (timestamps) {
            b.put(i, (byte) KIND_NOP).put(i + 1, (byte) KIND_NOP).put(i + 2, (byte) KIND_TIMESTAMPS).put(i + 3, (byte) LEN_TIMESTAMPS);
            b.putInt(i + 4, tsVal).putInt(i + 8, tsEcr);
            i += 12;
        }
        if (wscale >= 0) {
            b.put(i, (byte) KIND_NOP).put(i + 1, (byte) KIND_WSCALE).put(i + 2, (byte) LEN_WSCALE).put(i + 3, (byte) wscale);
            i += 4;
        }
        if (sackBlocks > 0) {
            b.put(i, (byte) KIND_NOP).put(i + 1, (byte) KIND_NOP).put(i + 2, (byte) KIND_SACK).put(i + 3, (byte) (2 + 8 * sackBlocks));
            i += 4;
            for (int k = 0; k < sackBlocks; k++) {
                b.putInt(i, sack[2 * k]).putInt(i + 4, sack[2 * k + 1]);
                i += 8;
            }
        }
        return i - off;
    }

    /** The MSS option, or -1 when absent. */
    public int mss() {
        return mss;
    }

    public TcpOptions mss(int value) {
        mss = value;
        return this;
    }

    /** The window scale shift, or -1 when absent. */
    public int wscale() {
        return wscale;
    }

    public TcpOptions wscale(int shift) {
        wscale = shift;
        return this;
    }

    public boolean sackPermitted() {
        return sackPermitted;
    }

    public TcpOptions sackPermitted(boolean on) {
        sackPermitted = on;
        return this;
    }

    public boolean hasTimestamps() {
        return timestamps;
    }

    public int tsVal() {
        return tsVal;
    }

    public int tsEcr() {
        return tsEcr;
    }

    public TcpOptions timestamps(int val, int ecr) {
        timestamps = true;
        tsVal = val;
        tsEcr = ecr;
        return this;
    }

    public int sackBlocks() {
        return sackBlocks;
    }

    /** Left edge of SACK block {@code k}. */
    public int sackLeft(int k) {
        return sack[2 * k];
    }

    /** Right edge (first sequence number after the block) of SACK block {@code k}. */
    public int sackRight(int k) {
        return sack[2 * k + 1];
    }

    /** Appends a SACK block; returns false when {@link #MAX_SACK_BLOCKS} are already there. */
    public boolean addSack(int left, int right) {
        if (sackBlocks == MAX_SACK_BLOCKS) {
            return false;
        }
        sackArray();
        sack[2 * sackBlocks] = left;
        sack[2 * sackBlocks + 1] = right;
        sackBlocks++;
        return true;
    }

    private void sackArray() {
        if (sack == null) {
            sack = new int[2 * MAX_SACK_BLOCKS];
        }
    }
}
