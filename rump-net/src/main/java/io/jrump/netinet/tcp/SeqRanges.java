package io.jrump.netinet.tcp;

/**
 * A bounded, sorted set of disjoint half-open sequence ranges {@code [start, end)}: the
 * out-of-order data a receiver holds (whose edges become SACK blocks, RFC 2018) and the
 * SACK scoreboard of a sender (RFC 6675). Adjacent and overlapping ranges merge. The bound
 * keeps a peer from growing it without limit: an insertion that would need one range too
 * many is refused and the caller drops what it described.
 *
 * <p>The arrays are made on the first range and grow by doubling: every connection has two of
 * these, and most never see a hole or a SACK block, so the bound costs them nothing.
 */
final class SeqRanges {
    private static final int[] NONE = new int[0];
    private final int maxRanges;
    private int[] starts = NONE;
    private int[] ends = NONE;
    private int count;

    SeqRanges(int maxRanges) {
        this.maxRanges = maxRanges;
    }

    int count() {
        return count;
    }

    int start(int i) {
        return starts[i];
    }

    int end(int i) {
        return ends[i];
    }

    boolean isEmpty() {
        return count == 0;
    }

    void clear() {
        count = 0;
    }

    /**
     * Adds {@code [s, e)}. Returns the number of sequence numbers newly covered, or -1 when the
     * set is full and the range would need a slot of its own.
     */
    int add(int s, int e) {
        if (!Seq.lt(s, e)) {
            return 0;
        }
        int i = 0;
        while (i < count && Seq.lt(ends[i], s)) {
            i++;
        }
        // ranges i..j-1 touch or overlap [s, e)
        int j = i;
        int covered = 0;
        while (j < count && Seq.le(starts[j], e)) {
            covered += overlap(starts[j], ends[j], s, e);
            j++;
        }
        if (j == i) {
            if (count == starts.length) {
                if (count == maxRanges) {
                    return -1;
                }
                int n = Math.min(maxRanges, Math.max(4, 2 * count));
                starts = java.util.Arrays.copyOf(starts, n);
                ends = java.util.Arrays.copyOf(ends, n);
            }
            System.arraycopy(starts, i, starts, i + 1, count - i);
            System.arraycopy(ends, i, ends, i + 1, count - i);
            starts[i] = s;
            ends[i] = e;
            count++;
            return e - s;
        }
        int ns = Seq.min(s, starts[i]);
        int ne = Seq.max(e, ends[j - 1]);
        starts[i] = ns;
        ends[i] = ne;
        int removed = j - i - 1;
        if (removed > 0) {
            System.arraycopy(starts, j, starts, i + 1, count - j);
            System.arraycopy(ends, j, ends, i + 1, count - j);
            count -= removed;
        }
        return (e - s) - covered;
    }

    private static int overlap(int a, int b, int s, int e) {
        int lo = Seq.max(a, s);
        int hi = Seq.min(b, e);
        return Seq.lt(lo, hi) ? hi - lo : 0;
    }

    /** Forgets everything below {@code seq} (the cumulative acknowledgment moved there). */
    void dropBelow(int seq) {
        int k = 0;
        for (int i = 0; i < count; i++) {
            if (Seq.le(ends[i], seq)) {
                continue;
            }
            starts[k] = Seq.max(starts[i], seq);
            ends[k] = ends[i];
            k++;
        }
        count = k;
    }

    /** The index of the range holding {@code seq}, or -1. */
    int indexOf(int seq) {
        for (int i = 0; i < count; i++) {
            if (Seq.inRange(seq, starts[i], ends[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Total sequence numbers covered at or above {@code seq}. */
    long coveredFrom(int seq) {
        long n = 0;
        for (int i = 0; i < count; i++) {
            if (Seq.le(ends[i], seq)) {
                continue;
            }
            n += ends[i] - Seq.max(starts[i], seq);
        }
        return n;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            sb.append(i == 0 ? "" : " ").append(Integer.toUnsignedString(starts[i])).append('-').append(Integer.toUnsignedString(ends[i]));
        }
        return sb.append(']').toString();
    }
}
