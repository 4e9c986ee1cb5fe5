package io.jrump.netinet.tcp;

/**
 * The holes retransmitted during one SACK recovery, each with the SND.MAX at the time it was
 * retransmitted, so that a lost retransmission is found without waiting for the RTO, which
 * RFC 6675 alone cannot do.
 *
 * <p>The reasoning is the sequence form of RACK (RFC 8985) and of Linux's former
 * {@code tcp_mark_lost_retrans}: a link delivers in order, so once the peer SACKs data at or
 * above the mark (sent after the retransmission) while the retransmitted range is neither
 * acknowledged nor SACKed, the retransmission was lost. Reordering on the link makes that a
 * spurious retransmission, no worse. At most {@code capacity} holes are remembered; a hole
 * retransmitted beyond that is left to the RTO. The arrays are made on the first hole and grow
 * by doubling: most connections never retransmit, and every connection has one of these.
 */
final class RetransmitMarks {
    private final int capacity;
    private int[] start = new int[0];
    private int[] end = start;
    private int[] mark = start;
    private boolean[] lost = new boolean[0];
    private int n;

    RetransmitMarks(int capacity) {
        this.capacity = capacity;
    }

    int count() {
        return n;
    }

    int start(int i) {
        return start[i];
    }

    int end(int i) {
        return end[i];
    }

    void clear() {
        n = 0;
    }

    /** Remembers {@code [s, e)} retransmitted while SND.MAX was {@code sndMax}; false when full. */
    boolean add(int s, int e, int sndMax) {
        if (n == start.length) {
            if (n == capacity) {
                return false;
            }
            int size = Math.min(capacity, Math.max(4, 2 * n));
            start = java.util.Arrays.copyOf(start, size);
            end = java.util.Arrays.copyOf(end, size);
            mark = java.util.Arrays.copyOf(mark, size);
            lost = java.util.Arrays.copyOf(lost, size);
        }
        start[n] = s;
        end[n] = e;
        mark[n] = sndMax;
        lost[n] = false;
        n++;
        return true;
    }

    void remove(int i) {
        n--;
        for (int j = i; j < n; j++) {
            start[j] = start[j + 1];
            end[j] = end[j + 1];
            mark[j] = mark[j + 1];
            lost[j] = lost[j + 1];
        }
    }

    /**
     * Forgets holes that are acknowledged or SACKed by now and flags as lost those the peer
     * SACKed beyond; returns how many were newly flagged.
     */
    int detect(int sndUna, SeqRanges sacked) {
        int highest = sacked.isEmpty() ? sndUna : sacked.end(sacked.count() - 1);
        int flagged = 0;
        for (int i = n - 1; i >= 0; i--) {
            if (repaired(i, sndUna, sacked)) {
                remove(i);
            } else if (!lost[i] && Seq.gt(highest, mark[i])) {
                lost[i] = true;
                flagged++;
            }
        }
        return flagged;
    }

    /** Sequence numbers of holes flagged lost and not yet sent again, above {@code sndUna}. */
    long lostBytes(int sndUna) {
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            if (lost[i] && Seq.gt(end[i], sndUna)) {
                bytes += end[i] - Seq.max(start[i], sndUna);
            }
        }
        return bytes;
    }

    /** Index of the first hole flagged lost, or -1. */
    int firstLost() {
        for (int i = 0; i < n; i++) {
            if (lost[i]) {
                return i;
            }
        }
        return -1;
    }

    private boolean repaired(int i, int sndUna, SeqRanges sacked) {
        if (Seq.le(end[i], sndUna)) {
            return true;
        }
        int at = sacked.indexOf(Seq.max(start[i], sndUna));
        return at >= 0 && Seq.ge(sacked.end(at), end[i]);
    }
}
