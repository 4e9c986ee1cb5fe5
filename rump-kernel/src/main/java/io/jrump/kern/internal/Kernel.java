package io.jrump.kern.internal;

import io.jrump.api.BootException;
import io.jrump.api.Credentials;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.NetConfig;
import io.jrump.api.RumpKernel;
import io.jrump.api.RumpProcess;
import io.jrump.api.Syscalls;
import io.jrump.api.spi.KernelComponent;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.kern.Cred;
import io.jrump.kern.KFile;
import io.jrump.kern.PathCalls;
import io.jrump.kern.SocketCalls;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One kernel instance (rump's {@code rump_init()} result): its platform, the services its
 * components registered, and its processes. Everything a kernel owns hangs off this object,
 * so two kernels share nothing and closing one releases all of it.
 *
 * <p>Booting is a handful of allocations: the platform handle, the component registry, the
 * components' own state and process 1. Nothing is looked up here; {@link LinkedKernel} did
 * that once for the configuration.
 */
final class Kernel implements RumpKernel {
    /** Kernel names only need to be unique for messages; this counter is the one state kernels share. */
    private static final AtomicLong KERNELS = new AtomicLong();

    private final String name;
    private final Platform platform;
    private final List<String> componentNames;
    private final ComponentRegistry registry;
    private final PathCalls vfs;
    private final SocketCalls sockets;
    private final NetConfig netconfig;
    private final Map<Integer, Proc> procs = new ConcurrentHashMap<>(4);
    private final AtomicInteger nextPid = new AtomicInteger(1);
    private final AtomicLong nextIno = new AtomicLong(1);
    private final Proc init;
    private volatile boolean closed;

    private Kernel(String name, Platform platform, List<String> componentNames, ComponentRegistry registry) {
        this.name = name;
        this.platform = platform;
        this.componentNames = componentNames;
        this.registry = registry;
        this.vfs = registry.lookup(PathCalls.class);
        this.sockets = registry.lookup(SocketCalls.class);
        NetConfig nc = registry.lookup(NetConfig.class);
        this.netconfig = nc != null ? nc : new NoNetwork(name);
        this.init = newProc(0, Cred.ROOT);
    }

    static Kernel boot(LinkedKernel image) {
        String name = "rump-" + KERNELS.incrementAndGet();
        Platform platform;
        try {
            platform = image.provider().open(new PlatformConfig(name, image.config().options(), image.config().devices()));
        } catch (ErrnoException e) {
            throw new BootException("kernel " + name + ": platform " + image.provider().name() + " failed to open: " + e.getMessage(), e);
        }
        ComponentRegistry registry = new ComponentRegistry(name, platform, image.config().options());
        for (KernelComponent c : image.components()) {
            try {
                c.attach(registry);
            } catch (ErrnoException | RuntimeException e) {
                Exception closing = registry.closeAll();
                platform.close();
                BootException failure = new BootException("kernel " + name + ": component " + c.name() + " failed to attach: " + e.getMessage(), e);
                if (closing != null) {
                    failure.addSuppressed(closing);
                }
                throw failure;
            }
        }
        return new Kernel(name, platform, image.componentNames(), registry);
    }

    private Proc newProc(int ppid, Cred cred) {
        int pid = nextPid.getAndIncrement();
        Proc p = new Proc(this, pid, ppid, cred, vfs == null ? null : vfs.root(), 022);
        procs.put(pid, p);
        return p;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String platformName() {
        return platform.name();
    }

    @Override
    public List<String> components() {
        return componentNames;
    }

    @Override
    public Syscalls sys() {
        return init.sys();
    }

    @Override
    public RumpProcess spawn(Credentials credentials) throws ErrnoException {
        checkOpen();
        return newProc(1, Cred.of(credentials));
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    Platform platform() {
        return platform;
    }

    /** The VFS, or {@code null} when the kernel was booted without one. */
    PathCalls vfs() {
        return vfs;
    }

    /** The socket layer, or {@code null} when the kernel was booted without a network component. */
    SocketCalls sockets() {
        return sockets;
    }

    @Override
    public NetConfig netconfig() {
        return netconfig;
    }

    long newIno() {
        return nextIno.getAndIncrement();
    }

    Instant now() {
        long ns = platform.wallClockNanos();
        return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
    }

    /** Number of live processes, process 1 included. */
    int processCount() {
        return procs.size();
    }

    void checkOpen() {
        if (closed) {
            throw new KernelClosedException("kernel " + name + " is closed");
        }
    }

    void reap(Proc p) {
        procs.remove(p.pid(), p);
    }

    /** Closes a file whose last descriptor went away as part of a teardown, where nobody can be told of a failure but the log. */
    void closeQuietly(KFile f) {
        try {
            f.closeLast();
        } catch (ErrnoException | RuntimeException e) {
            platform.logger().log(Level.WARNING, "kernel " + name + ": closing a file failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<Proc> all = new ArrayList<>(procs.values());
        for (Proc p : all) {
            if (p != init) {
                p.exit();
            }
        }
        init.exit();
        Exception failure = registry.closeAll();
        if (failure != null) {
            platform.logger().log(Level.WARNING, "kernel " + name + ": closing components failed: " + failure.getMessage(), failure);
        }
        platform.close();
    }

    @Override
    public String toString() {
        return "RumpKernel[" + name + ", platform=" + platform.name() + ", components=" + componentNames + (closed ? ", closed" : "") + "]";
    }
}
