package io.jrump.net.summon;

import io.jrump.api.KernelAccounting;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A service summoned by connections to a host address: no root, no TAP. A thread accepts on
 * the host socket; the first connection while no kernel runs boots one (connections arriving
 * meanwhile wait in the host's listen backlog, the queue here), starts the service on it and
 * attaches the {@link Relay}, which carries every connection into the kernel's TCP. The kernel
 * shuts down when no connection was accepted and no byte moved for the idle time, as a kernel
 * on a device does when no frame moved: a connection left open and silent is cut then.
 */
final class ListenService implements SummonedService {
    private final String name;
    private final RumpBuilder builder;
    private final int port;
    private final Duration idle;
    private final Service service;
    private final Relay relay;
    private final Consumer<SummonReport> reports;
    private final ScheduledExecutorService checker;
    /** The summoner's parked threads, for the service's threads. */
    private final Executor threads;
    private final ServerSocketChannel server;
    private final AtomicLong traffic = new AtomicLong();

    private RumpKernel kernel;
    private AutoCloseable handle;
    private Relay.Link link;
    private ScheduledFuture<?> idleCheck;
    private long lastTraffic;
    private long lastTrafficAt;
    private boolean closed;
    private KernelAccounting finished = KernelAccounting.ZERO;

    ListenService(String name, RumpBuilder builder, InetSocketAddress listen, int port, Duration idle, Service service, Relay relay,
            Consumer<SummonReport> reports, ScheduledExecutorService checker, Executor threads) throws IOException {
        this.name = name;
        this.builder = builder;
        this.port = port;
        this.idle = idle;
        this.service = service;
        this.relay = relay;
        this.reports = reports;
        this.checker = checker;
        this.threads = threads;
        this.server = ServerSocketChannel.open().bind(listen, 128);
        Thread t = new Thread(this::acceptLoop, "summon-listen-" + name);
        t.setDaemon(true);
        t.start();
    }

    /** The host address connections are accepted on (with the port the system chose for port 0). */
    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    @Override
    public String name() {
        return name;
    }

    /** The rehearsal's address: TEST-NET-1 (RFC 5737), on an in-memory link that never leaves the JVM. */
    private static final String WARM_UP_CIDR = "192.0.2.2/24";

    @Override
    public void warmUp() throws IOException {
        WarmUp.rehearse(builder, ServiceAddress.of("eth0", WARM_UP_CIDR, port), service, threads);
    }

    @Override
    public synchronized RumpKernel kernel() {
        return kernel;
    }

    @Override
    public KernelAccounting totals() {
        RumpKernel k;
        KernelAccounting done;
        synchronized (this) {
            k = kernel;
            done = finished;
        }
        return k == null ? done : done.plus(k.accounting());
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                reports.accept(new SummonReport(name, SummonReport.Event.FAILED, "-", 0, KernelAccounting.ZERO, "accept: " + e.getMessage()));
                return;
            }
            long accepted = System.nanoTime();
            try {
                Relay.Link l = summon(accepted);
                traffic.incrementAndGet();
                l.carry(c, n -> traffic.addAndGet(n));
            } catch (Exception | Error e) { // a failed boot (reported by summon) closes its client's connection: no client waits on it
                try {
                    c.close();
                } catch (IOException ignored) {
                    // the client sees the connection close
                }
            }
        }
    }

    /** The running kernel's link, booting a kernel first when none runs. */
    private synchronized Relay.Link summon(long accepted) throws Exception {
        if (closed) {
            throw new IOException("service " + name + " is closed");
        }
        if (link != null) {
            return link;
        }
        RumpKernel k = null;
        AutoCloseable h = null;
        try {
            k = builder.boot();
            h = service.start(k, threads);
            Relay.Link l = relay.attach(k, port);
            kernel = k;
            handle = h;
            link = l;
            lastTraffic = traffic.get();
            lastTrafficAt = System.nanoTime();
            long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idle.toNanos() / 4);
            idleCheck = checker.scheduleWithFixedDelay(this::checkIdle, period, period, TimeUnit.NANOSECONDS);
            reports.accept(new SummonReport(name, SummonReport.Event.BOOTED, k.name(), System.nanoTime() - accepted, KernelAccounting.ZERO, ""));
            return link;
        } catch (Exception | Error e) {
            closeQuietly(h);
            if (k != null) {
                k.close();
            }
            reports.accept(new SummonReport(name, SummonReport.Event.FAILED, k == null ? "-" : k.name(), 0, KernelAccounting.ZERO,
                    e.getMessage() == null ? e.toString() : e.getMessage()));
            throw e;
        }
    }

    private void checkIdle() {
        synchronized (this) {
            if (kernel == null) {
                return;
            }
            long t = traffic.get();
            long now = System.nanoTime();
            if (t != lastTraffic) {
                lastTraffic = t;
                lastTrafficAt = now;
                return;
            }
            if (now - lastTrafficAt < idle.toNanos()) {
                return;
            }
            stop("idle " + Durations.format(idle));
        }
    }

    /** Closes the link, the service and the kernel; the caller holds the lock, so no connection is summoned meanwhile. */
    private void stop(String why) {
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
        RumpKernel k = kernel;
        link.close();
        closeQuietly(handle);
        k.close();
        KernelAccounting cost = k.accounting();
        finished = finished.plus(cost);
        kernel = null;
        link = null;
        handle = null;
        reports.accept(new SummonReport(name, SummonReport.Event.SHUTDOWN, k.name(), 0, cost, why));
    }

    private static void closeQuietly(AutoCloseable h) {
        if (h != null) {
            try {
                h.close();
            } catch (Exception e) {
                // the kernel closes next and takes whatever the service left with it
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (kernel != null) {
                stop("closed");
            }
        }
        try {
            server.close();
        } catch (IOException e) {
            // the port is released either way
        }
    }

    @Override
    public String toString() {
        return "summoned service " + name + " on " + server;
    }
}
