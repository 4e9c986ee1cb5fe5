package io.jrump.netinet.tcp;

import java.util.function.BinaryOperator;

/**
 * The stack-wide TCP settings, read once from the kernel's options when the transport is
 * made. Names follow Linux's {@code net.ipv4.tcp_*} sysctls where one exists; times are in
 * milliseconds. Per-socket settings (buffer sizes, keepalive, Nagle) start from these and
 * change with {@code setsockopt}.
 */
record TcpConfig(
        long mslNanos,
        String congestionControl,
        long minRtoNanos,
        int retries,
        int synRetries,
        long delayedAckNanos,
        long finTimeoutNanos,
        int sendBuffer,
        int receiveBuffer,
        int maxSynBacklog,
        int maxBacklog,
        boolean windowScaling,
        boolean timestamps,
        boolean sack,
        boolean synCookies,
        long keepIdleNanos,
        long keepIntervalNanos,
        int keepCount,
        int challengeAckLimit,
        long invalidRateLimitNanos) {

    /** RFC 9293 3.4.2 suggests an MSL of 2 minutes; jrump defaults to Linux's 30 s (60 s TIME_WAIT). */
    static final long DEFAULT_MSL_MS = 30_000;
    /**
     * Lower bound on the RTO. RFC 6298 2.4 says one second; jrump takes Linux's 200 ms
     * ({@code TCP_RTO_MIN}), as most stacks do, since a 1 s floor turns every timeout on a
     * sub-millisecond in-memory link into a second of silence. {@code tcp.rto_min=1000}
     * restores the RFC's value.
     */
    static final long DEFAULT_RTO_MIN_MS = 200;
    /** RFC 1122 4.2.3.5: R2 at least 100 seconds; 15 retransmissions last about that long with backoff. */
    static final int DEFAULT_RETRIES = 15;
    static final int DEFAULT_SYN_RETRIES = 6;
    /**
     * RFC 9293 3.8.6.3: an ACK must not be delayed more than 0.5 s. 200 ms is the traditional
     * value, but it must stay below the RTO floor or a lone segment is retransmitted before its
     * delayed ACK leaves; with the 200 ms floor jrump takes Linux's {@code TCP_DELACK_MIN}, 40 ms.
     */
    static final long DEFAULT_DELACK_MS = 40;
    /** RFC 1122 4.2.3.6: keepalive interval defaults to no less than two hours. */
    static final long DEFAULT_KEEPIDLE_MS = 7_200_000;
    static final long DEFAULT_KEEPINTVL_MS = 75_000;
    static final int DEFAULT_KEEPCNT = 9;
    /**
     * Linux's {@code tcp_invalid_ratelimit} (500 ms): the least time between two ACKs a
     * connection sends in answer to invalid segments (out of the window, failing PAWS, or
     * drawing a challenge ACK). See {@code TcpConnection#invalidAckAllowed}.
     */
    static final long DEFAULT_INVALID_RATELIMIT_MS = 500;
    /**
     * Send buffer and receive window: 2 MiB, where Linux starts at 128 KiB and autotunes up to
     * 4-6 MiB. A 256 KiB window held a bulk sender waiting for ACKs on a link of microseconds;
     * the rings grow only as data fills them, so idle connections do not pay for it.
     */
    static final int DEFAULT_BUFFER = 2 << 20;
    static final int MIN_BUFFER = 2048;
    static final int MAX_BUFFER = 64 << 20;

    static TcpConfig from(BinaryOperator<String> option) {
        return new TcpConfig(
                ms(option, "tcp.msl", DEFAULT_MSL_MS),
                option.apply("tcp.cc", "newreno"),
                ms(option, "tcp.rto_min", DEFAULT_RTO_MIN_MS),
                (int) num(option, "tcp.retries", DEFAULT_RETRIES),
                (int) num(option, "tcp.syn_retries", DEFAULT_SYN_RETRIES),
                ms(option, "tcp.delack", DEFAULT_DELACK_MS),
                ms(option, "tcp.fin_timeout", 60_000),
                buffer(num(option, "tcp.sndbuf", DEFAULT_BUFFER)),
                buffer(num(option, "tcp.rcvbuf", DEFAULT_BUFFER)),
                (int) num(option, "tcp.max_syn_backlog", 256),
                (int) num(option, "tcp.somaxconn", 4096),
                bool(option, "tcp.window_scaling"),
                bool(option, "tcp.timestamps"),
                bool(option, "tcp.sack"),
                bool(option, "tcp.syncookies"),
                ms(option, "tcp.keepalive_time", DEFAULT_KEEPIDLE_MS),
                ms(option, "tcp.keepalive_intvl", DEFAULT_KEEPINTVL_MS),
                (int) num(option, "tcp.keepalive_probes", DEFAULT_KEEPCNT),
                (int) num(option, "tcp.challenge_ack_limit", 1000),
                ms(option, "tcp.invalid_ratelimit", DEFAULT_INVALID_RATELIMIT_MS));
    }

    static int buffer(long bytes) {
        return (int) Math.max(MIN_BUFFER, Math.min(MAX_BUFFER, bytes));
    }

    private static long num(BinaryOperator<String> option, String name, long dflt) {
        String v = option.apply(name, Long.toString(dflt));
        try {
            long n = Long.parseLong(v.trim());
            if (n < 0) {
                throw new IllegalArgumentException(name + " must not be negative: " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is not a number: " + v, e);
        }
    }

    private static long ms(BinaryOperator<String> option, String name, long dflt) {
        return num(option, name, dflt) * 1_000_000L;
    }

    private static boolean bool(BinaryOperator<String> option, String name) {
        return !"false".equalsIgnoreCase(option.apply(name, "true").trim()) && !"0".equals(option.apply(name, "true").trim());
    }
}
