package io.jrump.net.http;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SOCK_NONBLOCK;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_REUSEADDR;

import io.jrump.api.Credentials;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.RumpKernel;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 file server that runs inside a kernel: it listens on a socket of the kernel's
 * TCP/IP stack and serves a directory of the kernel's VFS, using nothing but the kernel's
 * system calls ({@code socket}, {@code bind}, {@code listen}, {@code accept}, {@code read},
 * {@code write}, {@code poll}; {@code open}, {@code stat}, {@code pread}, {@code getdents}).
 * It knows no device or host: whatever brings packets to the kernel (a TAP, a bus, a
 * {@code HostForward}) brings clients to it.
 *
 * <p>Sockets belong to the kernel's process 1; files are opened by a process spawned with
 * {@link HttpOptions#credentials()} ("nobody" by default), so a file its mode keeps from others
 * is answered with 403, as nginx's unprivileged workers do.
 *
 * <p>One thread accepts (sleeping in {@code poll} on the listener and a pipe that {@link #close}
 * writes to); each connection is served on a pooled thread of its own with blocking calls and
 * bounded waits (see {@link HttpConnection}); at most {@link HttpOptions#maxConnections()} at
 * once, beyond which a client is told 503 and closed. Threads of the pool end after 30 s
 * without work, so an idle server keeps only its accepting thread.
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

    private final RumpKernel kernel;
    private final Syscalls net;
    private final int listener;
    private final int[] wake;
    private final InetSocketAddress address;
    private final FileHandler handler;
    private final HttpOptions options;
    private final ThreadPoolExecutor workers;
    private final Thread acceptor;
    private final Set<HttpConnection> active = ConcurrentHashMap.newKeySet();
    private final AtomicInteger activeCount = new AtomicInteger();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closing;
    private volatile long dateSecond = -1;
    private volatile String date;
    private volatile String clfDate;

    private HttpFileServer(RumpKernel kernel, Syscalls net, int listener, int[] wake, InetSocketAddress address, FileHandler handler, HttpOptions options) {
        this.kernel = kernel;
        this.net = net;
        this.listener = listener;
        this.wake = wake;
        this.address = address;
        this.handler = handler;
        this.options = options;
        AtomicInteger seq = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(0, options.maxConnections(), 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "httpd-" + kernel.name() + "-" + seq.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "httpd-accept-" + kernel.name());
        this.acceptor.setDaemon(true);
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
        int[] wake;
        InetSocketAddress bound;
        try {
            net.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
            net.bind(fd, bind);
            net.listen(fd, BACKLOG);
            bound = net.getsockname(fd);
            wake = net.pipe();
        } catch (ErrnoException e) {
            net.close(fd);
            throw e;
        }
        HttpFileServer s = new HttpFileServer(kernel, net, fd, wake, bound, new FileHandler(files, r, options), options);
        s.acceptor.start();
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

    private void acceptLoop() {
        PollFd[] set = {new PollFd(listener, PollFd.POLLIN), new PollFd(wake[0], PollFd.POLLIN)};
        try {
            while (!closing) {
                net.poll(set, -1);
                while (!closing) {
                    int fd;
                    try {
                        fd = net.accept(listener);
                    } catch (ErrnoException e) {
                        if (e.errno() == Errno.EAGAIN) {
                            break;
                        }
                        if (e.errno() == Errno.ECONNABORTED || e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
                            break; // one connection lost, or descriptors exhausted until some close
                        }
                        throw e;
                    }
                    dispatch(fd);
                }
            }
        } catch (ErrnoException | RuntimeException e) {
            if (!closing && !kernel.isClosed()) {
                System.getLogger("jrump.httpd").log(System.Logger.Level.WARNING, "httpd on " + address + " stopped accepting: " + e.getMessage());
            }
        }
    }

    private void dispatch(int fd) {
        String peer;
        try {
            InetSocketAddress p = net.getpeername(fd);
            peer = p.getAddress().getHostAddress();
        } catch (ErrnoException e) {
            peer = "-";
        }
        connections.incrementAndGet();
        if (activeCount.incrementAndGet() > options.maxConnections()) {
            activeCount.decrementAndGet();
            refused.incrementAndGet();
            try {
                net.write(fd, ByteBuffer.wrap(BUSY)); // a fresh socket's send buffer takes these bytes without waiting
            } catch (ErrnoException e) {
                // gone already
            }
            closeQuietly(fd);
            return;
        }
        HttpConnection c = new HttpConnection(this, net, fd, peer, handler, options);
        active.add(c);
        try {
            workers.execute(c);
        } catch (RuntimeException e) {
            active.remove(c);
            activeCount.decrementAndGet();
            closeQuietly(fd);
        }
    }

    private void closeQuietly(int fd) {
        try {
            net.close(fd);
        } catch (ErrnoException e) {
            // nothing to recover
        }
    }

    void finished(HttpConnection c) {
        if (active.remove(c)) {
            activeCount.decrementAndGet();
        }
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

    /** The Date field's value, formatted once a second. */
    String date() {
        refreshDate();
        return date;
    }

    String clfDate() {
        refreshDate();
        return clfDate;
    }

    private void refreshDate() {
        long now = System.currentTimeMillis() / 1000;
        if (now != dateSecond) {
            clfDate = HttpDates.clf(now);
            date = HttpDates.format(now);
            dateSecond = now;
        }
    }

    /**
     * Stops accepting, ends every connection (a request being answered is cut short) and
     * waits up to five seconds for their threads. The kernel stays up: it is the caller's.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            net.write(wake[1], ByteBuffer.wrap(new byte[] {1}));
        } catch (ErrnoException e) {
            // the kernel is closing: the acceptor ends on its own
        }
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(listener);
        closeQuietly(wake[0]);
        closeQuietly(wake[1]);
        for (HttpConnection c : active) {
            c.abort();
        }
        workers.shutdown();
        try {
            workers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
