package io.jrump.net.http;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SOCK_NONBLOCK;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_REUSEADDR;

import io.jrump.api.Credentials;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.RumpKernel;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 file server that runs inside a kernel: it listens on a socket of the kernel's
 * TCP/IP stack and serves a directory of the kernel's VFS, using nothing but the kernel's
 * system calls ({@code socket}, {@code bind}, {@code listen}, {@code accept}, {@code read},
 * {@code write}, {@code epoll_wait}, {@code fcntl}; {@code open}, {@code stat}, {@code pread},
 * {@code getdents}). It knows no device or host: whatever brings packets to the kernel (a TAP,
 * a bus, a {@code HostForward}) brings clients to it.
 *
 * <p>Sockets belong to the kernel's process 1; files are opened by a process spawned with
 * {@link HttpOptions#credentials()} ("nobody" by default), so a file its mode keeps from others
 * is answered with 403, as nginx's unprivileged workers do.
 *
 * <p>A fixed number of {@link EventLoop}s ({@link HttpOptions#loopThreads()}) serve every
 * connection with non-blocking sockets, as nginx's workers do: a thread per connection costs
 * a thread switch per request and a thread per slow client, an event loop neither. At most
 * {@link HttpOptions#maxConnections()} connections at once, beyond which a client is told 503
 * and closed. An idle server's loops sleep in {@code epoll_wait}.
 *
 * <pre>{@code
 * try (HttpFileServer s = HttpFileServer.start(kernel, 80, "/srv", HttpOptions.defaults())) {
 *     ... // until the service ends
 * }
 * }</pre>
 */
public final class HttpFileServer implements Closeable {
    private static final int BACKLOG = 1024;
    private static final byte[] BUSY = ("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\nRetry-After: 1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    /** What a server did so far. */
    public record Stats(long connections, long requests, long bytesSent, int active, long refused) {
    }

    /** The Date field (with its line end) and the access log's date of one second. */
    private record Dates(long second, byte[] field, String clf) {
    }

    private final RumpKernel kernel;
    private final Syscalls net;
    private final int listener;
    private final InetSocketAddress address;
    private final FileHandler handler;
    private final HttpOptions options;
    private final EventLoop[] loops;
    /** Counted down as each loop ends (or could not start). */
    private final CountDownLatch stopped;
    private final AtomicInteger activeCount = new AtomicInteger();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closing;
    private volatile Dates dates = new Dates(-1, null, null);

    private HttpFileServer(RumpKernel kernel, Syscalls net, int listener, List<int[]> wakes, InetSocketAddress address, FileHandler handler,
            HttpOptions options) {
        this.kernel = kernel;
        this.net = net;
        this.listener = listener;
        this.address = address;
        this.handler = handler;
        this.options = options;
        this.loops = new EventLoop[wakes.size()];
        this.stopped = new CountDownLatch(loops.length);
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new EventLoop(this, net, listener, wakes.get(i));
        }
    }

    /** Runs each loop on a thread of its own, or on the executor of {@link HttpOptions#withThreads}. */
    private void startLoops() throws ErrnoException {
        Executor executor = options.threads();
        for (int i = 0; i < loops.length; i++) {
            EventLoop loop = loops[i];
            String name = "httpd-" + kernel.name() + "-" + (i + 1);
            Runnable task = () -> runLoop(loop, name);
            if (executor == null) {
                Thread t = new Thread(task, name);
                t.setDaemon(true);
                t.start();
                continue;
            }
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                for (int j = i; j < loops.length; j++) {
                    stopped.countDown();
                }
                close();
                throw new ErrnoException(Errno.EAGAIN, "serve", address.toString(), "no thread for the event loops: " + e.getMessage());
            }
        }
    }

    /** A loop under its own thread name (a pooled thread gets its name back afterwards). */
    private void runLoop(EventLoop loop, String name) {
        Thread current = Thread.currentThread();
        String before = current.getName();
        current.setName(name);
        try {
            loop.run();
        } finally {
            current.setName(before);
            stopped.countDown();
        }
    }

    /** Serves {@code root} (a directory of the kernel) on {@code port} of every address of the kernel. */
    public static HttpFileServer start(RumpKernel kernel, int port, String root, HttpOptions options) throws ErrnoException {
        return start(kernel, new InetSocketAddress("0.0.0.0", port), root, options);
    }

    /**
     * Serves {@code root} (a directory of the kernel) on {@code bind}, a local address of the
     * kernel (port 0: any free port, see {@link #address()}).
     *
     * @throws ErrnoException ENOTDIR when root is no directory; what socket, bind or listen say
     */
    public static HttpFileServer start(RumpKernel kernel, InetSocketAddress bind, String root, HttpOptions options) throws ErrnoException {
        if (!root.startsWith("/")) {
            throw new ErrnoException(Errno.EINVAL, "serve", root, "the served root must be an absolute kernel path");
        }
        String r = root.length() > 1 && root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
        Syscalls net = kernel.sys();
        Credentials c = options.credentials();
        Syscalls files = c.uid() == 0 && c.gid() == 0 ? net : kernel.spawn(c).sys();
        Stat st = files.stat(r);
        if (!st.isDirectory()) {
            throw new ErrnoException(Errno.ENOTDIR, "serve", root, "the served root is not a directory");
        }
        int fd = net.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        List<int[]> wakes = new ArrayList<>();
        InetSocketAddress bound;
        try {
            net.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
            net.bind(fd, bind);
            net.listen(fd, BACKLOG);
            bound = net.getsockname(fd);
            for (int i = 0; i < options.loopThreads(); i++) {
                wakes.add(net.pipe());
            }
        } catch (ErrnoException e) {
            net.close(fd);
            for (int[] p : wakes) {
                net.close(p[0]);
                net.close(p[1]);
            }
            throw e;
        }
        HttpFileServer s = new HttpFileServer(kernel, net, fd, wakes, bound, new FileHandler(files, r, options), options);
        s.startLoops();
        return s;
    }

    /** The kernel address the server listens on. */
    public InetSocketAddress address() {
        return address;
    }

    public RumpKernel kernel() {
        return kernel;
    }

    public Stats stats() {
        return new Stats(connections.get(), requests.get(), bytesSent.get(), activeCount.get(), refused.get());
    }

    /**
     * A connection a loop accepted: its state, or null when the server already serves
     * {@link HttpOptions#maxConnections()} (the client is told 503 and the socket closed).
     */
    HttpConnection admit(int fd, String peer) {
        connections.incrementAndGet();
        if (activeCount.incrementAndGet() > options.maxConnections()) {
            activeCount.decrementAndGet();
            refused.incrementAndGet();
            try {
                net.write(fd, ByteBuffer.wrap(BUSY)); // a fresh socket's send buffer takes these bytes without waiting
            } catch (ErrnoException e) {
                // gone already
            }
            try {
                net.close(fd);
            } catch (ErrnoException e) {
                // nothing to recover
            }
            return null;
        }
        return new HttpConnection(this, net, fd, peer, handler, options);
    }

    /** A connection admitted has ended. */
    void finished() {
        activeCount.decrementAndGet();
    }

    void request() {
        requests.incrementAndGet();
    }

    void sent(long bytes) {
        bytesSent.addAndGet(bytes);
    }

    boolean isClosing() {
        return closing;
    }

    /** The Date field, {@code Date: ...} with its CRLF, formatted once a second. */
    byte[] dateField() {
        return dates().field;
    }

    String clfDate() {
        return dates().clf;
    }

    private Dates dates() {
        long now = System.currentTimeMillis() / 1000;
        Dates d = dates;
        if (d.second != now) {
            d = new Dates(now, ("Date: " + HttpDates.format(now) + "\r\n").getBytes(StandardCharsets.US_ASCII), HttpDates.clf(now));
            dates = d;
        }
        return d;
    }

    /**
     * Stops accepting, ends every connection (a response being sent is cut short) and waits up
     * to five seconds for the loops. The kernel stays up: it is the caller's.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        for (EventLoop l : loops) {
            l.wake();
        }
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            net.close(listener);
        } catch (ErrnoException e) {
            // nothing to recover
        }
        for (EventLoop l : loops) {
            l.closePipe();
        }
    }
}
