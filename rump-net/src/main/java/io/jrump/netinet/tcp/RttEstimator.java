package io.jrump.netinet.tcp;

/**
 * The retransmission timeout of RFC 6298: smoothed RTT and RTT variance from samples
 * (alpha 1/8, beta 1/4, K 4), a lower bound, and exponential backoff on expiry that the
 * next valid sample undoes. Karn's rule (no samples from retransmitted segments) is the
 * caller's part: it only offers samples it may take.
 */
final class RttEstimator {
    /** RFC 6298 2.1: before any sample the RTO is one second. */
    static final long INITIAL_RTO = 1_000_000_000L;
    /** RFC 6298 2.5: an upper bound of at least 60 seconds may be placed on the RTO. */
    static final long MAX_RTO = 60_000_000_000L;
    /** Clock granularity G of RFC 6298 2.2, in nanoseconds. */
    private static final long GRANULARITY = 1_000_000L;

    private final long minRto;
    private long srtt = -1;
    private long rttvar;
    private long rto = INITIAL_RTO;
    private int backoff;

    RttEstimator(long minRto) {
        this.minRto = minRto;
    }

    /** Takes one round-trip sample in nanoseconds (RFC 6298 2.2 and 2.3). */
    void sample(long rtt) {
        if (rtt < 0) {
            return;
        }
        if (srtt < 0) {
            srtt = rtt;
            rttvar = rtt / 2;
        } else {
            rttvar = rttvar - rttvar / 4 + Math.abs(srtt - rtt) / 4;
            srtt = srtt - srtt / 8 + rtt / 8;
        }
        backoff = 0;
        rto = Math.min(MAX_RTO, Math.max(minRto, srtt + Math.max(GRANULARITY, 4 * rttvar)));
    }

    /** The timeout to arm now, backoff included. */
    long rto() {
        return Math.min(MAX_RTO, rto << Math.min(backoff, 20));
    }

    /** RFC 6298 5.5: the timer expired, double the RTO. */
    void backOff() {
        if (rto() < MAX_RTO) {
            backoff++;
        }
    }

    /** Smoothed RTT in nanoseconds, or -1 before the first sample. */
    long srtt() {
        return srtt;
    }
}
