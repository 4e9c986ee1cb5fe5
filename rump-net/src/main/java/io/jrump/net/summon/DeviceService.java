package io.jrump.net.summon;

import io.jrump.api.ErrnoException;
import io.jrump.api.KernelAccounting;
import io.jrump.api.NetConfig;
import io.jrump.api.NetDevice;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A service summoned by frames on a network device it owns across kernels. While no kernel
 * runs, this object is the device's receiver: it drops everything but a summons
 * ({@link Summons}), which it queues before starting a boot on a thread of its own, and a TCP
 * segment of a connection that went with the last kernel, which it answers with a reset
 * ({@link Resets}). While the
 * kernel boots, every frame is queued (up to {@link #QUEUE_FRAMES} frames or
 * {@link #QUEUE_BYTES} bytes, then dropped and counted). Once the kernel's interface is up and
 * the service listens, the queue is replayed into the kernel in arrival order, frames arriving
 * meanwhile joining its tail, and only an empty queue turns on direct delivery; so the client's
 * SYN is answered as if the kernel had been there all along and nothing is retransmitted.
 *
 * <p>An idle check runs every quarter of the idle time: when no frame went either way since
 * the last check and the idle time has passed since the last traffic, the kernel shuts down.
 * A summons arriving while it shuts down is queued and boots the next kernel right after.
 */
final class DeviceService implements SummonedService {
    /** Frames held while a kernel boots; a client sends a handful (ARP, SYN, retries). */
    static final int QUEUE_FRAMES = 256;
    static final long QUEUE_BYTES = 4L << 20;

    private enum State { IDLE, BOOTING, LIVE, STOPPING, CLOSED }

    private final String name;
    private final RumpBuilder builder;
    private final NetDevice device;
    private final ServiceAddress address;
    private final int ip;
    private final Duration idle;
    private final Service service;
    private final Consumer<SummonReport> reports;
    private final ScheduledExecutorService checker;
    /** The summoner's parked threads: one boots a kernel, others run its service. */
    private final Executor threads;
    private final AtomicLong traffic = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong replayed = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    /** The device's MAC, which resets are sent from. */
    private final long mac;
    /** Whether a zero TCP checksum on this device is a partial one from a sender in memory. */
    private final boolean rxChecksum;

    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private long queuedBytes;
    private State state = State.IDLE;
    private long summonedAt;
    /** The running kernel's port once the queue is empty; frames then skip the lock. */
    private volatile SummonPort live;
    private RumpKernel kernel;
    private SummonPort port;
    private AutoCloseable handle;
    private ScheduledFuture<?> idleCheck;
    private long lastTraffic;
    private long lastTrafficAt;
    private KernelAccounting finished = KernelAccounting.ZERO;

    DeviceService(String name, RumpBuilder builder, NetDevice device, ServiceAddress address, Duration idle, Service service,
            Consumer<SummonReport> reports, ScheduledExecutorService checker, Executor threads) {
        this.name = name;
        this.builder = builder;
        this.device = device;
        this.address = address;
        this.ip = address.ip();
        this.idle = idle;
        this.service = service;
        this.reports = reports;
        this.checker = checker;
        this.threads = threads;
        this.mac = io.jrump.net.wire.EthernetFrame.mac(device.macAddress());
        this.rxChecksum = device.offloads().contains(NetDevice.Offload.RX_CHECKSUM);
        device.receiver(this::fromWire);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized RumpKernel kernel() {
        return state == State.LIVE ? kernel : null;
    }

    @Override
    public void warmUp() throws java.io.IOException {
        WarmUp.rehearse(builder, address, service, threads);
    }

    /** Frames dropped because no kernel ran and they summoned none, or the queue was full. */
    long dropped() {
        return dropped.get();
    }

    /** Frames waiting for the kernel now. */
    synchronized int queued() {
        return queue.size();
    }

    /** Frames queued while a kernel booted and delivered to it afterwards. */
    long replayed() {
        return replayed.get();
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

    private void fromWire(ByteBuffer frame) {
        SummonPort p = live;
        if (p != null && p.deliver(frame)) {
            return;
        }
        boolean gone = false;
        synchronized (this) {
            p = live;
            if (p == null) {
                switch (state) {
                    case IDLE -> {
                        if (Summons.isSummons(frame, ip, address.port())) {
                            enqueue(frame);
                            summonedAt = System.nanoTime();
                            state = State.BOOTING;
                            startBoot();
                        } else {
                            dropped.incrementAndGet();
                            gone = true;
                        }
                    }
                    case BOOTING -> enqueue(frame);
                    case STOPPING -> {
                        if (Summons.isSummons(frame, ip, address.port())) {
                            enqueue(frame);
                        } else {
                            dropped.incrementAndGet();
                            gone = true;
                        }
                    }
                    default -> dropped.incrementAndGet();
                }
            }
        }
        if (p != null) {
            p.deliver(frame);
        } else if (gone) {
            resetIfTcp(frame);
        }
    }

    /**
     * A segment of a connection whose kernel has shut down (went idle while the client still
     * had it open) is answered with a reset ({@link Resets}), so the client fails at once
     * rather than retransmitting until its own timeout.
     */
    private void resetIfTcp(ByteBuffer frame) {
        ByteBuffer rst = Resets.answer(frame, ip, address.port(), mac, rxChecksum);
        if (rst == null) {
            return;
        }
        try {
            device.transmit(rst);
            resets.incrementAndGet();
        } catch (ErrnoException e) {
            // the device is closing: the client's own timeout ends the connection
        }
    }

    /** Resets sent for segments of connections that went with a kernel. */
    long resets() {
        return resets.get();
    }

    private void enqueue(ByteBuffer frame) {
        int n = frame.remaining();
        if (queue.size() >= QUEUE_FRAMES || queuedBytes + n > QUEUE_BYTES) {
            dropped.incrementAndGet();
            return;
        }
        ByteBuffer copy = ByteBuffer.allocate(n);
        copy.put(0, frame, frame.position(), n);
        queue.add(copy.asReadOnlyBuffer());
        queuedBytes += n;
    }

    /** Boots on a waiting thread of the summoner's; one closed meanwhile refuses, and the summons is reported failed. */
    private void startBoot() {
        try {
            threads.execute(this::boot);
        } catch (RejectedExecutionException e) {
            state = State.IDLE;
            queue.clear();
            queuedBytes = 0;
            reports.accept(new SummonReport(name, SummonReport.Event.FAILED, "-", 0, KernelAccounting.ZERO, "the summoner is closed"));
        }
    }

    private void boot() {
        RumpKernel k = null;
        AutoCloseable h = null;
        long started = System.nanoTime();
        try {
            k = builder.boot();
            long booted = System.nanoTime();
            SummonPort p = SummonPort.on(device, traffic);
            NetConfig nc = k.netconfig();
            nc.ifcreate(address.ifname(), p);
            nc.ipv4Address(address.ifname(), address.cidr());
            nc.up(address.ifname());
            if (address.gateway() != null) {
                nc.ipv4Gateway(address.gateway());
            }
            teachSender(nc);
            long configured = System.nanoTime();
            h = service.start(k, threads);
            long serving = System.nanoTime();
            synchronized (this) {
                kernel = k;
                port = p;
                handle = h;
            }
            replay(p, String.format(java.util.Locale.ROOT, "wait %.3f, boot %.3f, interface %.3f, service %.3f", (started - summonedAt) / 1e6,
                    (booted - started) / 1e6, (configured - booted) / 1e6, (serving - configured) / 1e6));
        } catch (Exception | Error e) {
            closeQuietly(h);
            if (k != null) {
                k.close();
            }
            synchronized (this) {
                kernel = null;
                port = null;
                handle = null;
                queue.clear();
                queuedBytes = 0;
                if (state != State.CLOSED) {
                    state = State.IDLE;
                }
            }
            reports.accept(new SummonReport(name, SummonReport.Event.FAILED, k == null ? "-" : k.name(), 0, KernelAccounting.ZERO,
                    e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    /**
     * Tells the new kernel the MAC of the host on its link whose SYN summoned it, as an ARP
     * exchange would have: the kernel's first answer, the SYN-ACK, then goes out at once instead
     * of after an ARP request and its reply. A sender off the link (its SYN came through a
     * router, whose address the frame does not give) is left to ARP; so is a summons by ARP
     * request, which teaches the kernel its sender by itself (RFC 826).
     */
    private void teachSender(NetConfig nc) {
        ByteBuffer first;
        synchronized (this) {
            first = queue.peek();
        }
        Summons.Sender s = first == null ? null : Summons.synSender(first.duplicate(), ip, address.port());
        if (s == null || ((s.ip() ^ ip) & address.mask()) != 0) {
            return;
        }
        try {
            nc.arp(address.ifname(), io.jrump.net.wire.Ipv4Address.format(s.ip()), s.mac());
        } catch (ErrnoException e) {
            // a sender the kernel refuses (a multicast MAC, its own address): the SYN-ACK waits for ARP, as without this
        }
    }

    /** Delivers the queue in order until it is empty, then turns on direct delivery. */
    private void replay(SummonPort p, String phases) {
        long took = 0;
        boolean first = true;
        boolean closedMeanwhile = false;
        while (true) {
            List<ByteBuffer> batch;
            synchronized (this) {
                if (queue.isEmpty() || state == State.CLOSED) {
                    closedMeanwhile = state == State.CLOSED;
                    if (state == State.BOOTING) {
                        state = State.LIVE;
                        live = p;
                        lastTraffic = traffic.get();
                        lastTrafficAt = System.nanoTime();
                        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idle.toNanos() / 4);
                        idleCheck = checker.scheduleWithFixedDelay(this::checkIdle, period, period, TimeUnit.NANOSECONDS);
                    }
                    break;
                }
                batch = new ArrayList<>(queue);
                queue.clear();
                queuedBytes = 0;
            }
            for (ByteBuffer f : batch) {
                if (first) {
                    took = System.nanoTime() - summonedAt;
                    first = false;
                }
                p.deliver(f);
                replayed.incrementAndGet();
            }
        }
        String detail = phases + String.format(java.util.Locale.ROOT, ", replay %.3f ms", (System.nanoTime() - summonedAt - took) / 1e6);
        reports.accept(new SummonReport(name, SummonReport.Event.BOOTED, kernelName(), took, KernelAccounting.ZERO, detail));
        if (closedMeanwhile) {
            finishStop("closed", true);
        }
    }

    private synchronized String kernelName() {
        return kernel == null ? "-" : kernel.name();
    }

    private void checkIdle() {
        synchronized (this) {
            if (state != State.LIVE) {
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
            // decided and cut off in one step: a frame from now on is queued, not given to the dying kernel
            beginStop();
        }
        finishStop("idle " + Durations.format(idle), false);
    }

    /** LIVE to STOPPING: no more direct delivery, and the port refuses frames already on their way to it. */
    private void beginStop() {
        state = State.STOPPING;
        live = null;
        port.close();
        if (idleCheck != null) {
            idleCheck.cancel(false);
            idleCheck = null;
        }
    }

    /** Shuts the kernel that {@link #beginStop} cut off down; boots the next at once if a summons came meanwhile. */
    private void finishStop(String why, boolean closing) {
        RumpKernel k;
        AutoCloseable h;
        synchronized (this) {
            k = kernel;
            h = handle;
        }
        closeQuietly(h);
        k.close();
        KernelAccounting cost = k.accounting();
        synchronized (this) {
            finished = finished.plus(cost);
            kernel = null;
            port = null;
            handle = null;
            if (closing) {
                state = State.CLOSED;
                queue.clear();
            } else if (!queue.isEmpty()) {
                summonedAt = System.nanoTime();
                state = State.BOOTING;
                startBoot();
            } else {
                state = State.IDLE;
            }
        }
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
        boolean running;
        synchronized (this) {
            running = state == State.LIVE;
            if (running) {
                beginStop();
            } else {
                state = State.CLOSED; // a boot under way sees it and closes its kernel
                queue.clear();
            }
        }
        if (running) {
            finishStop("closed", true);
        }
        device.receiver(null);
        device.close();
    }

    @Override
    public String toString() {
        return "summoned service " + name + " at " + address.cidr() + " port " + address.port();
    }
}
