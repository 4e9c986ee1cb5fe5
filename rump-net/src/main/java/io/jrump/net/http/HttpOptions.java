package io.jrump.net.http;

import io.jrump.api.Credentials;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * How an {@link HttpFileServer} behaves: bounds on a request's head, the timeouts that keep
 * idle and slow clients from holding a connection for ever, how many connections it serves at
 * once and on how many threads, whose permissions files are read with, and where the access
 * log goes. Immutable to its users; each {@code with...} returns a changed copy.
 */
public final class HttpOptions {
    /** The credentials files are read with by default: "nobody" (65534), as nginx's workers run unprivileged. */
    public static final Credentials NOBODY = Credentials.of(65534, 65534);

    private HttpLimits limits;
    private Duration headerTimeout;
    private Duration idleTimeout;
    private Duration sendTimeout;
    private int maxConnections;
    private int loopThreads;
    private int sendBuffer;
    private Credentials credentials;
    private Set<String> hostNames;
    private Consumer<String> accessLog;
    private Executor threads;

    private HttpOptions() {
    }

    private HttpOptions copy() {
        HttpOptions o = new HttpOptions();
        o.limits = limits;
        o.headerTimeout = headerTimeout;
        o.idleTimeout = idleTimeout;
        o.sendTimeout = sendTimeout;
        o.maxConnections = maxConnections;
        o.loopThreads = loopThreads;
        o.sendBuffer = sendBuffer;
        o.credentials = credentials;
        o.hostNames = hostNames;
        o.accessLog = accessLog;
        o.threads = threads;
        return o;
    }

    /**
     * Request line up to 8 KiB, head up to 16 KiB with up to 100 fields; a request's head must
     * arrive within 10 s of its first byte, a kept-alive connection may idle 5 s between
     * requests, a client must take response bytes at least every 30 s; 512 connections at once
     * (beyond that, 503 and close) on {@link #defaultLoopThreads()} event loops; the stack's
     * send buffer; files read as {@link #NOBODY}; no access log.
     */
    public static HttpOptions defaults() {
        HttpOptions o = new HttpOptions();
        o.limits = new HttpLimits(8192, 16384, 100);
        o.headerTimeout = Duration.ofSeconds(10);
        o.idleTimeout = Duration.ofSeconds(5);
        o.sendTimeout = Duration.ofSeconds(30);
        o.maxConnections = 512;
        o.loopThreads = defaultLoopThreads();
        o.credentials = NOBODY;
        o.hostNames = Set.of();
        return o;
    }

    /**
     * One event loop per core, at most four: a loop never blocks but in {@code poll}, so more
     * loops than cores only add thread switches (nginx's {@code worker_processes auto}).
     */
    public static int defaultLoopThreads() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    private static Duration positive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    /** Bounds on the request line, the whole head (bytes) and the number of header fields. */
    public HttpOptions withLimits(int maxRequestLine, int maxHeadBytes, int maxFields) {
        HttpOptions o = copy();
        o.limits = new HttpLimits(maxRequestLine, maxHeadBytes, maxFields);
        return o;
    }

    /** How long a request's head may take to arrive from its first byte (a slowloris client is cut off with 408 after it). */
    public HttpOptions withHeaderTimeout(Duration d) {
        HttpOptions o = copy();
        o.headerTimeout = positive(d, "header timeout");
        return o;
    }

    /** How long a connection may wait for its next request before it is closed. */
    public HttpOptions withIdleTimeout(Duration d) {
        HttpOptions o = copy();
        o.idleTimeout = positive(d, "idle timeout");
        return o;
    }

    /** How long the client may leave a response's bytes untaken before the connection is closed. */
    public HttpOptions withSendTimeout(Duration d) {
        HttpOptions o = copy();
        o.sendTimeout = positive(d, "send timeout");
        return o;
    }

    public HttpOptions withMaxConnections(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("max connections must be at least 1: " + n);
        }
        HttpOptions o = copy();
        o.maxConnections = n;
        return o;
    }

    /** How many event loops (threads) serve the connections. */
    public HttpOptions withLoopThreads(int n) {
        if (n < 1 || n > 64) {
            throw new IllegalArgumentException("loop threads must be 1..64: " + n);
        }
        HttpOptions o = copy();
        o.loopThreads = n;
        return o;
    }

    /** The send buffer of each connection's socket ({@code SO_SNDBUF}, bytes), or 0 for the stack's default (nginx's {@code listen ... sndbuf=}). */
    public HttpOptions withSendBuffer(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("send buffer must not be negative: " + bytes);
        }
        HttpOptions o = copy();
        o.sendBuffer = bytes;
        return o;
    }

    /** Whose permissions files are opened with (a process of these credentials is spawned in the kernel). */
    public HttpOptions withCredentials(Credentials c) {
        HttpOptions o = copy();
        o.credentials = Objects.requireNonNull(c, "credentials");
        return o;
    }

    /**
     * Authorities ({@code host} or {@code host:port}) an absolute-form request target may name
     * besides the request's own Host field; any other gets 421.
     */
    public HttpOptions withHostNames(Set<String> names) {
        HttpOptions o = copy();
        o.hostNames = names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        return o;
    }

    /** Where access log lines (common log format, without a line end) go; {@code null} for none. Called from the server's loop threads. */
    public HttpOptions withAccessLog(Consumer<String> log) {
        HttpOptions o = copy();
        o.accessLog = log;
        return o;
    }

    /**
     * Where the event loops run: tasks given to {@code executor}, each running until the server
     * closes (a summoner's parked threads, so starting a server creates no thread); {@code null}
     * for threads of the server's own (the default). The executor must run every loop at once.
     */
    public HttpOptions withThreads(Executor executor) {
        HttpOptions o = copy();
        o.threads = executor;
        return o;
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

    public int loopThreads() {
        return loopThreads;
    }

    public int sendBuffer() {
        return sendBuffer;
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

    /** The loops' executor, or null for threads of the server's own. */
    Executor threads() {
        return threads;
    }
}
