package io.jrump.netinet.tcp;

/**
 * CUBIC (RFC 9438): in congestion avoidance the window follows
 * {@code W(t) = C (t - K)^3 + W_max} from the time of the last loss, so it climbs back
 * quickly to the window where loss happened, plateaus there and then probes beyond it;
 * never slower than the Reno-friendly estimate of section 4.3. Multiplicative decrease is
 * beta 0.7 with fast convergence (4.7). Windows are kept in segments as doubles, as the
 * RFC writes them, and turned into bytes for the connection.
 */
final class Cubic extends CongestionControl {
    /** RFC 9438 5: C = 0.4. */
    private static final double C = 0.4;
    /** RFC 9438 4.6: beta_cubic = 0.7. */
    private static final double BETA = 0.7;
    /** RFC 9438 4.3: alpha_cubic = 3 (1 - beta) / (1 + beta). */
    private static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

    private double wMax;
    private double wLastMax;
    private double k;
    private long epochStart = -1;
    private double wEst;
    private double cwndEpoch;
    /** Fractional segments of growth not yet turned into bytes. */
    private double pending;

    Cubic(int mss) {
        super(mss);
    }

    @Override
    void onAck(int acked, long nowNanos, long srttNanos) {
        if (inSlowStart()) {
            acked = slowStart(acked);
            if (acked == 0) {
                return;
            }
        }
        double segs = (double) cwnd / mss;
        if (epochStart < 0) {
            epochStart = nowNanos;
            cwndEpoch = segs;
            if (wMax < segs) {
                // no loss yet (or the window grew beyond it): start on the plateau
                wMax = segs;
                k = 0;
            } else {
                k = Math.cbrt((wMax - segs) / C);
            }
            wEst = segs;
        }
        double rtt = Math.max(srttNanos, 1_000_000L) / 1e9;
        double t = (nowNanos - epochStart) / 1e9;
        double target = C * Math.pow(t + rtt - k, 3) + wMax;
        double ackedSegs = (double) acked / mss;
        wEst += ALPHA * ackedSegs / segs;
        double grow;
        if (target < wEst) {
            grow = wEst - segs; // Reno-friendly region (4.3)
        } else if (target > segs) {
            grow = Math.min(target, 1.5 * segs) - segs; // concave/convex region (4.4, 4.5), capped per RFC
            grow = grow * ackedSegs / segs;
        } else {
            grow = 0;
        }
        pending += Math.max(grow, 0) * mss;
        if (pending >= 1) {
            int add = (int) Math.min(pending, Integer.MAX_VALUE / 4);
            cwnd += add;
            pending -= add;
        }
    }

    @Override
    void onLoss(int flightSize, long nowNanos) {
        double segs = (double) cwnd / mss;
        // fast convergence (4.7)
        if (segs < wLastMax) {
            wLastMax = segs;
            wMax = segs * (1 + BETA) / 2;
        } else {
            wLastMax = segs;
            wMax = segs;
        }
        ssthresh = Math.max((int) (cwnd * BETA), 2 * mss);
        epochStart = -1;
        pending = 0;
    }

    /** For tests: W_max in segments after the last loss. */
    double wMax() {
        return wMax;
    }
}
