package io.jrump.net.hostfwd;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.IPPROTO_TCP;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.TCP_NODELAY;

import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.NetConfig;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Port forwarding from the host into a kernel's TCP/IP stack, as QEMU's {@code hostfwd} does
 * for a guest on user-mode networking: a JDK server socket on the host accepts connections,
 * and each is relayed byte for byte to a port of the target kernel, so that a program on the
 * host (curl, a browser) reaches a service inside the kernel without root and without a TAP.
 *
 * <p>The relay does not hand bytes to the target's sockets directly: it is a kernel of its own
 * (the network component only) on an in-memory {@link EthernetBus} with the target, on which
 * the forward adds an interface ({@code fwdN}, address 169.254.N.2/30, IPv4 link-local so it
 * meets none of the target's own networks). Each host connection becomes a TCP connection from
 * the relay kernel to the target, so every byte crosses the target's real TCP: handshake,
 * windows, retransmission and all. Two threads per connection copy the two directions and pass
 * a half-close on ({@code shutdown(SHUT_WR)} one way, {@code shutdownOutput} the other).
 *
 * <p>The target sees the relay kernel's address as every client's.
 */
public final class HostForward implements Closeable {
    /** Relayed connections at once; the relay kernel's process holds one descriptor per connection (at most 1,024). */
    public static final int MAX_CONNECTIONS = 1000;
    private static final int BUFFER = 64 * 1024;

    private final RumpKernel relay;
    private final RumpKernel target;
    private final String ifname;
    private final InetSocketAddress to;
    private final ServerSocketChannel server;
    private final ExecutorService pumps;
    private final Thread acceptor;
    private final Set<Relay> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile boolean closing;

    private HostForward(RumpKernel relay, RumpKernel target, String ifname, InetSocketAddress to, ServerSocketChannel server) {
        this.relay = relay;
        this.target = target;
        this.ifname = ifname;
        this.to = to;
        this.server = server;
        AtomicInteger seq = new AtomicInteger();
        this.pumps = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostfwd-" + target.name() + "-" + seq.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "hostfwd-accept-" + target.name());
        this.acceptor.setDaemon(true);
    }

    /**
     * Listens on {@code listen} (a host address; port 0 picks a free one, see {@link #address()})
     * and forwards each connection to {@code targetPort} of {@code target}, which must have the
     * network component.
     *
     * @throws IOException what binding the host socket or configuring the kernels said
     */
    public static HostForward start(InetSocketAddress listen, RumpKernel target, int targetPort) throws IOException {
        NetConfig tn = target.netconfig();
        Set<String> names = new HashSet<>();
        for (NetConfig.Interface i : tn.interfaces()) {
            names.add(i.name());
        }
        int n = 0;
        while (names.contains("fwd" + n)) {
            n++;
        }
        if (n > 255) {
            throw new IOException("hostfwd: " + target.name() + " has no free fwdN interface name");
        }
        String ifname = "fwd" + n;
        String net = "169.254." + n + ".";
        EthernetBus bus = new EthernetBus();
        RumpKernel relay = Rump.builder().component("net").boot();
        ServerSocketChannel server = null;
        try {
            tn.ifcreate(ifname, bus.port());
            tn.ipv4Address(ifname, net + "2/30");
            relay.netconfig().ifcreate("eth0", bus.port());
            relay.netconfig().ipv4Address("eth0", net + "1/30");
            server = ServerSocketChannel.open();
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(listen, 1024);
            HostForward f = new HostForward(relay, target, ifname, new InetSocketAddress(net + "2", targetPort), server);
            f.acceptor.start();
            return f;
        } catch (IOException | RuntimeException e) {
            if (server != null) {
                server.close();
            }
            relay.close();
            try {
                tn.ifdestroy(ifname);
            } catch (ErrnoException gone) {
                e.addSuppressed(gone);
            }
            throw e;
        }
    }

    /** The host address connections are accepted on. */
    public InetSocketAddress address() {
        try {
            return (InetSocketAddress) server.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("hostfwd: closed", e);
        }
    }

    /** The target's address and port that connections are relayed to. */
    public InetSocketAddress target() {
        return to;
    }

    /** Connections accepted so far. */
    public long connections() {
        return accepted.get();
    }

    private void acceptLoop() {
        while (!closing) {
            SocketChannel host;
            try {
                host = server.accept();
            } catch (IOException e) {
                if (!closing) {
                    System.getLogger("jrump.hostfwd").log(System.Logger.Level.WARNING, "hostfwd " + to + " stopped accepting: " + e.getMessage());
                }
                return;
            }
            accepted.incrementAndGet();
            if (open.size() >= MAX_CONNECTIONS) {
                closeQuietly(host);
                continue;
            }
            Relay r = new Relay(host);
            open.add(r);
            try {
                pumps.execute(r::connectAndPumpOut);
            } catch (RuntimeException e) {
                open.remove(r);
                closeQuietly(host);
            }
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    /**
     * One relayed connection: the host's socket and the relay kernel's. The kernel descriptor is
     * closed only when both copies have ended (an abort from elsewhere only shuts it down, which
     * wakes a copy blocked on it), so no copy ever reads a descriptor number reused by another
     * connection.
     */
    private final class Relay {
        private final SocketChannel host;
        private final Syscalls sys = relay.sys();
        private final AtomicInteger running = new AtomicInteger(1);
        private volatile int fd = -1;
        private boolean aborted;
        private boolean released;

        Relay(SocketChannel host) {
            this.host = host;
        }

        /** Connects to the target, starts the host-to-kernel copy, and copies kernel to host on this thread. */
        void connectAndPumpOut() {
            try {
                host.setOption(StandardSocketOptions.TCP_NODELAY, true);
                int s = sys.socket(AF_INET, SOCK_STREAM, 0);
                fd = s;
                sys.setsockopt(s, IPPROTO_TCP, TCP_NODELAY, 1);
                sys.connect(s, to);
                running.incrementAndGet();
                try {
                    pumps.execute(this::pumpIn);
                } catch (RuntimeException e) {
                    running.decrementAndGet();
                    throw e;
                }
                ByteBuffer buf = ByteBuffer.allocate(BUFFER);
                while (true) {
                    buf.clear();
                    int n = sys.read(s, buf);
                    if (n <= 0) {
                        host.shutdownOutput();
                        break;
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        host.write(buf);
                    }
                }
            } catch (IOException | RuntimeException e) {
                abort();
            } finally {
                exit();
            }
        }

        private void pumpIn() {
            ByteBuffer buf = ByteBuffer.allocate(BUFFER);
            try {
                while (true) {
                    buf.clear();
                    int n = host.read(buf);
                    if (n < 0) {
                        sys.shutdown(fd, SHUT_WR);
                        break;
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        sys.write(fd, buf);
                    }
                }
            } catch (IOException | RuntimeException e) {
                abort();
            } finally {
                exit();
            }
        }

        /** A copy ended; the last one releases both sockets. */
        private void exit() {
            if (running.decrementAndGet() == 0) {
                release();
            }
        }

        private synchronized void release() {
            released = true;
            open.remove(this);
            closeQuietly(host);
            if (fd >= 0) {
                try {
                    sys.close(fd);
                } catch (ErrnoException | KernelClosedException e) {
                    // the relay kernel is closing, or closed while this copy ended
                }
            }
        }

        /** Ends both directions now: wakes whichever copy is blocked. */
        synchronized void abort() {
            if (aborted) {
                return;
            }
            aborted = true;
            closeQuietly(host);
            int s = fd;
            if (s >= 0 && !released) {
                try {
                    sys.shutdown(s, io.jrump.api.SocketConstants.SHUT_RDWR);
                } catch (ErrnoException | KernelClosedException e) {
                    // not connected yet, or gone
                }
            }
        }
    }

    /** Stops accepting, ends every relayed connection, removes the target's interface and closes the relay kernel. */
    @Override
    public void close() throws IOException {
        if (closing) {
            return;
        }
        closing = true;
        server.close();
        try {
            acceptor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Relay r : open) {
            r.abort();
        }
        relay.close(); // wakes copies blocked in the relay kernel
        pumps.shutdown();
        try {
            pumps.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!target.isClosed()) {
            try {
                target.netconfig().ifdestroy(ifname);
            } catch (ErrnoException e) {
                // already gone with the kernel
            }
        }
    }
}
