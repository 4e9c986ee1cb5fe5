package io.jrump.netinet.tcp;

/**
 * Reno window growth (RFC 5681 3.1): slow start below ssthresh, then about one SMSS per
 * round trip counted in acknowledged bytes; on loss ssthresh becomes half the flight size
 * (equation 4). The NewReno part (RFC 6582: partial acknowledgments keep recovery going)
 * is in the connection's recovery code, shared with CUBIC.
 */
final class NewReno extends CongestionControl {
    /** Bytes acknowledged in congestion avoidance and not yet turned into window. */
    private long bytesAcked;

    NewReno(int mss) {
        super(mss);
    }

    @Override
    void onAck(int acked, long nowNanos, long srttNanos) {
        if (inSlowStart()) {
            slowStart(acked);
            return;
        }
        bytesAcked += acked;
        if (bytesAcked >= cwnd) {
            bytesAcked -= cwnd;
            cwnd += mss;
        }
    }

    @Override
    void onLoss(int flightSize, long nowNanos) {
        ssthresh = Math.max(flightSize / 2, 2 * mss);
        bytesAcked = 0;
    }
}
