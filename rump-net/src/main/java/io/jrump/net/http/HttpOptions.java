package io.jrump.net.http;

import io.jrump.api.Credentials;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * How an {@link HttpFileServer} behaves: bounds on a request's head, the timeouts that keep
 * idle and slow clients from holding a connection (and its thread) for ever, how many
 * connections it serves at once, whose permissions files are read with, and where the access
 * log goes. Immutable; each {@code with...} returns a changed copy.
 */
public final class HttpOptions {
    /** The credentials files are read with by default: "nobody" (65534), as nginx's workers run unprivileged. */
    public static final Credentials NOBODY = Credentials.of(65534, 65534);

    private final HttpLimits limits;
    private final Duration headerTimeout;
    private final Duration idleTimeout;
    private final Duration sendTimeout;
    private final int maxConnections;
    private final Credentials credentials;
    private final Set<String> hostNames;
    private final Consumer<String> accessLog;

    private HttpOptions(HttpLimits limits, Duration headerTimeout, Duration idleTimeout, Duration sendTimeout, int maxConnections,
            Credentials credentials, Set<String> hostNames, Consumer<String> accessLog) {
        this.limits = limits;
        this.headerTimeout = positive(headerTimeout, "header timeout");
        this.idleTimeout = positive(idleTimeout, "idle timeout");
        this.sendTimeout = positive(sendTimeout, "send timeout");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max connections must be at least 1: " + maxConnections);
        }
        this.maxConnections = maxConnections;
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.hostNames = hostNames;
        this.accessLog = accessLog;
    }

    /**
     * Request line up to 8 KiB, head up to 16 KiB with up to 100 fields; a request's head must
     * arrive within 10 s of its first byte, a kept-alive connection may idle 5 s between
     * requests, a client must take response bytes at least every 30 s; 512 connections at once
     * (beyond that, 503 and close); files read as {@link #NOBODY}; no access log.
     */
    public static HttpOptions defaults() {
        return new HttpOptions(new HttpLimits(8192, 16384, 100), Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(30), 512,
                NOBODY, Set.of(), null);
    }

    private static Duration positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    /** Bounds on the request line, the whole head (bytes) and the number of header fields. */
    public HttpOptions withLimits(int maxRequestLine, int maxHeadBytes, int maxFields) {
        return new HttpOptions(new HttpLimits(maxRequestLine, maxHeadBytes, maxFields), headerTimeout, idleTimeout, sendTimeout, maxConnections,
                credentials, hostNames, accessLog);
    }

    /** How long a request's head may take to arrive from its first byte (a slowloris client is cut off with 408 after it). */
    public HttpOptions withHeaderTimeout(Duration d) {
        return new HttpOptions(limits, d, idleTimeout, sendTimeout, maxConnections, credentials, hostNames, accessLog);
    }

    /** How long a connection may wait for its next request before it is closed. */
    public HttpOptions withIdleTimeout(Duration d) {
        return new HttpOptions(limits, headerTimeout, d, sendTimeout, maxConnections, credentials, hostNames, accessLog);
    }

    /** How long a write may wait for the client to take bytes. */
    public HttpOptions withSendTimeout(Duration d) {
        return new HttpOptions(limits, headerTimeout, idleTimeout, d, maxConnections, credentials, hostNames, accessLog);
    }

    public HttpOptions withMaxConnections(int n) {
        return new HttpOptions(limits, headerTimeout, idleTimeout, sendTimeout, n, credentials, hostNames, accessLog);
    }

    /** Whose permissions files are opened with (a process of these credentials is spawned in the kernel). */
    public HttpOptions withCredentials(Credentials c) {
        return new HttpOptions(limits, headerTimeout, idleTimeout, sendTimeout, maxConnections, c, hostNames, accessLog);
    }

    /**
     * Authorities ({@code host} or {@code host:port}) an absolute-form request target may name
     * besides the request's own Host field; any other gets 421.
     */
    public HttpOptions withHostNames(Set<String> names) {
        Set<String> lower = names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        return new HttpOptions(limits, headerTimeout, idleTimeout, sendTimeout, maxConnections, credentials, lower, accessLog);
    }

    /** Where access log lines (common log format, without a line end) go; {@code null} for none. Called from many threads. */
    public HttpOptions withAccessLog(Consumer<String> log) {
        return new HttpOptions(limits, headerTimeout, idleTimeout, sendTimeout, maxConnections, credentials, hostNames, log);
    }

    HttpLimits limits() {
        return limits;
    }

    public Duration headerTimeout() {
        return headerTimeout;
    }

    public Duration idleTimeout() {
        return idleTimeout;
    }

    public Duration sendTimeout() {
        return sendTimeout;
    }

    public int maxConnections() {
        return maxConnections;
    }

    public Credentials credentials() {
        return credentials;
    }

    Set<String> hostNames() {
        return hostNames;
    }

    Consumer<String> accessLog() {
        return accessLog;
    }
}
