package io.jrump.net.summon;

import io.jrump.api.NetDevice;
import io.jrump.api.RumpBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Kernels summoned just in time (after Jitsu, "Just-In-Time Summoning of Unikernels"): each
 * service is a kernel configuration, an address and something to run on the kernel; nothing
 * is booted until traffic for the service arrives, and the kernel shuts down after a stretch
 * without any. Services are independent: each has its own address (on a device of its own or
 * one it shares with others), its own queue, its own kernels, and is summoned and shut down on
 * its own.
 *
 * <pre>{@code
 * try (Summoner s = new Summoner(System.err::println)) {
 *     s.onDevice("web", Rump.builder(), tap, ServiceAddress.of("eth0", "10.0.0.2/24", 80),
 *             Durations.parse("2s"), kernel -> HttpServer.start(kernel, 80));
 *     ...
 * }
 * }</pre>
 *
 * <p>Every boot, shutdown (with the kernel's {@link io.jrump.api.KernelAccounting}) and failed
 * boot is reported to the listener given here, on the thread that saw it.
 */
public final class Summoner implements AutoCloseable {
    /**
     * How long a thread beyond the parked ones waits for another task. {@link #PARKED_THREADS}
     * wait for ever, started with the summoner, so a summons pays for creating no thread (a
     * measurable part of a cold summons): one boots the kernel, the others run the service's
     * threads ({@link Service#start(io.jrump.api.RumpKernel, java.util.concurrent.Executor)}).
     * Services summoned at once, or with more threads, get more.
     */
    private static final long THREAD_KEEP_SECONDS = 60;
    /** The boot thread and the threads of one HTTP server (at most four event loops) or an echo service. */
    static final int PARKED_THREADS = 5;

    private final Consumer<SummonReport> reports;
    private final ScheduledExecutorService checker;
    /** Boots kernels and runs their services' threads. */
    private final ExecutorService threads;
    private final List<SummonedService> services = new CopyOnWriteArrayList<>();
    private final Map<NetDevice, SharedDevice> devices = new IdentityHashMap<>();

    public Summoner(Consumer<SummonReport> reports) {
        this.reports = Objects.requireNonNull(reports, "reports");
        this.checker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "summoner-idle");
            t.setDaemon(true);
            return t;
        });
        ThreadPoolExecutor pool = new ThreadPoolExecutor(PARKED_THREADS, Integer.MAX_VALUE, THREAD_KEEP_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "summoner-thread");
                    t.setDaemon(true);
                    return t;
                });
        pool.prestartAllCoreThreads();
        this.threads = pool;
    }

    /**
     * A service summoned by frames on {@code device} (a TAP from the host platform, or a port of
     * an {@link io.jrump.net.dev.EthernetBus}), which the summoner owns from now on and closes
     * with the last service on it. Each kernel booted from {@code builder} gets the device as
     * interface {@code address.ifname()} with the address configured, then {@code service} is
     * started.
     *
     * <p>Several services may share one device, each at its own address (like aliases on one
     * interface: one MAC, several addresses, so Linux sees one link): frames for an address go to
     * its service alone, which is summoned and shut down on its own; two services at one address
     * are refused.
     */
    public SummonedService onDevice(String name, RumpBuilder builder, NetDevice device, ServiceAddress address, Duration idle,
            Service service) {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(service, "service");
        if (idle.isNegative() || idle.isZero()) {
            throw new IllegalArgumentException("idle time must be positive: " + idle);
        }
        NetDevice view;
        synchronized (devices) {
            SharedDevice shared = devices.computeIfAbsent(device, SharedDevice::new);
            view = shared.view(address.ip());
        }
        DeviceService s = new DeviceService(name, builder, view, address, idle, service, reports, checker, threads);
        services.add(s);
        return s;
    }

    /**
     * A service summoned by connections to the host address {@code listen} (no root needed):
     * the first connection boots a kernel from {@code builder}, starts {@code service} on it,
     * which must listen on {@code port}, and every connection is carried into the kernel by
     * {@code relay} ({@link KernelRelay} when null). Port 0 in {@code listen} takes a free port;
     * {@link #listenAddress} tells which.
     */
    public SummonedService onListen(String name, RumpBuilder builder, InetSocketAddress listen, int port, Duration idle, Service service,
            Relay relay) throws IOException {
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(service, "service");
        if (idle.isNegative() || idle.isZero()) {
            throw new IllegalArgumentException("idle time must be positive: " + idle);
        }
        ListenService s = new ListenService(name, builder, listen, port, idle, service, relay == null ? new KernelRelay() : relay, reports,
                checker, threads);
        services.add(s);
        return s;
    }

    /** Where a service made by {@link #onListen} accepts connections. */
    public static InetSocketAddress listenAddress(SummonedService service) throws IOException {
        if (service instanceof ListenService l) {
            return l.address();
        }
        throw new IllegalArgumentException(service.name() + " is not summoned by a listen address");
    }

    /** The services, in the order they were added. */
    public List<SummonedService> services() {
        return List.copyOf(services);
    }

    /** Shuts every running kernel down (reported) and releases the services' devices. */
    @Override
    public void close() {
        for (SummonedService s : services) {
            s.close();
        }
        checker.shutdownNow();
        threads.shutdownNow();
    }
}
