package io.jrump.netinet.tcp;

/**
 * One connection's limit on ACKs sent in answer to invalid segments: at most one per
 * {@code tcp.invalid_ratelimit} (500 ms, Linux's {@code tcp_invalid_ratelimit} and
 * {@code tcp_oow_rate_limited}).
 *
 * <p>Why. RFC 9293 3.10.7.4 answers an unacceptable segment with an ACK, RFC 7323 5.3 does the
 * same for one failing PAWS, and RFC 5961 answers a SYN, an in-window RST or an impossible ACK
 * with a challenge ACK. Each answer is a pure ACK carrying our SND.NXT and RCV.NXT. When the
 * other end finds that ACK invalid in turn, it answers with another, and the two ends ACK each
 * other as fast as the path carries them, forever: an ACK loop. Two stacks whose views of a
 * connection differ (one restarted, or a middlebox rewrote sequence numbers) get there; so does
 * a connection that talks to itself. A forged SYN whose source and destination are both the
 * listener's own address and port (the LAND attack) makes a half-open connection whose SYN-ACK
 * comes back to itself: its sequence number (our ISS) lies outside the window the SYN opened
 * (the attacker's ISN + 1), so the SYN-ACK draws an ACK, which is out of the window for the same
 * reason and draws another. Before this limit a kernel exchanged ~300 million segments with
 * itself in two minutes this way, and nothing else got through.
 *
 * <p>The limit ends every such exchange after one answer: the answer arrives well within the
 * interval, finds the slot taken, and is dropped without reply. A LAND connection then sends
 * only its SYN-ACK retransmissions (each drawing one ACK) until the handshake times out. The
 * stack-wide RFC 5961 section 7 budget ({@link TcpTransport#allowChallengeAck}) does not end a
 * loop by itself: it caps it at that many segments a second and starves every other connection
 * of challenge ACKs; so challenge ACKs take this per-connection limit first, as on Linux.
 *
 * <p>Segments that carry data (or a FIN) are answered every time: a spurious retransmission or
 * a zero-window probe below the window needs its duplicate ACK, and a loop needs both ends to
 * send pure ACKs, which a segment with data is not.
 *
 * <p>Used under the connection's lock.
 */
final class InvalidAckLimiter {
    private final long intervalNanos;
    private long last;
    private boolean sent;

    InvalidAckLimiter(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /** Whether an answer to an invalid segment may go at {@code now}; if so, it takes the slot. */
    boolean allow(long now) {
        if (sent && now - last < intervalNanos) {
            return false;
        }
        sent = true;
        last = now;
        return true;
    }
}
