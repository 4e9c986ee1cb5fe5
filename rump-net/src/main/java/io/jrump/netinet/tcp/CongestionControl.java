package io.jrump.netinet.tcp;

/**
 * The window-growth and loss-response policy of one connection, apart from loss detection
 * and recovery (which the connection runs the same way for every policy, RFC 5681, 6582 and
 * 6675). Byte-counted: {@code cwnd} and {@code ssthresh} are in bytes, {@code mss} is the
 * sender's SMSS. Chosen per stack with option {@code tcp.cc}.
 */
abstract class CongestionControl {
    /** RFC 5681 3.1: ssthresh starts arbitrarily high. */
    static final int INITIAL_SSTHRESH = Integer.MAX_VALUE / 2;

    protected final int mss;
    /**
     * RFC 3465's byte-counting limit L per acknowledgment: one SMSS, or the size of the
     * offloaded segments the connection sends ({@link #segmentBytes}), since an ACK of one of
     * them stands for that many SMSS-sized segments (Linux counts TSO segments the same way).
     */
    private int abcLimit;
    protected int cwnd;
    protected int ssthresh = INITIAL_SSTHRESH;

    protected CongestionControl(int mss) {
        this.mss = mss;
        this.abcLimit = mss;
        this.cwnd = initialWindow(mss);
    }

    /** RFC 5681 3.1 (equation 3): the initial window. */
    static int initialWindow(int mss) {
        if (mss > 2190) {
            return 2 * mss;
        }
        if (mss > 1095) {
            return 3 * mss;
        }
        return 4 * mss;
    }

    static CongestionControl create(String name, int mss) {
        return switch (name) {
            case "newreno" -> new NewReno(mss);
            case "cubic" -> new Cubic(mss);
            default -> throw new IllegalArgumentException("unknown congestion control " + name + " (newreno, cubic)");
        };
    }

    /** The connection builds segments of up to {@code bytes} (a multiple of the SMSS) for a device with segmentation offload. */
    final void segmentBytes(int bytes) {
        abcLimit = Math.max(mss, bytes);
    }

    final int cwnd() {
        return cwnd;
    }

    final int ssthresh() {
        return ssthresh;
    }

    /** Set by loss recovery (inflation, deflation, the exit window of RFC 6582 3.2 step 3). */
    final void cwnd(int bytes) {
        cwnd = Math.max(mss, bytes);
    }

    final boolean inSlowStart() {
        return cwnd < ssthresh;
    }

    /** New data was acknowledged outside loss recovery: grow the window. */
    abstract void onAck(int acked, long nowNanos, long srttNanos);

    /**
     * Loss detected by duplicate acknowledgments or SACK: set ssthresh (the caller sets cwnd
     * per its recovery algorithm).
     */
    abstract void onLoss(int flightSize, long nowNanos);

    /** RFC 5681 3.1 (equation 4) and RFC 9438 4.8: the retransmission timer expired. */
    void onTimeout(int flightSize, long nowNanos) {
        onLoss(flightSize, nowNanos);
        cwnd = mss;
    }

    /**
     * Slow start per RFC 5681 3.1 with appropriate byte counting (RFC 3465, L = 1 SMSS or one
     * offloaded segment), up to ssthresh; returns the acknowledged bytes left over once
     * ssthresh is reached.
     */
    protected final int slowStart(int acked) {
        int inc = Math.min(acked, abcLimit);
        int room = Math.max(ssthresh - cwnd, 0);
        if (inc <= room) {
            cwnd += inc;
            return 0;
        }
        cwnd += room;
        return acked - room;
    }
}
