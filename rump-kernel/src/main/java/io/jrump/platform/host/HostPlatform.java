package io.jrump.platform.host;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The hypercalls of one kernel running on the host JVM.
 *
 * <p>Kernels boot by the thousand, so opening one is a handful of field stores: the logger,
 * the entropy source, the timer set and the thread set are made on first use, and the devices
 * are only checked (see {@link HostDevices}). A kernel that boots with no devices and sets no
 * timer costs this object and nothing else in the platform.
 *
 * <p>Entropy comes from a {@link SecureRandom} per kernel rather than one per JVM: kernels
 * share no mutable state, and a kernel's sequence numbers should not depend on another's
 * draws. Timers run on the {@link TimerScheduler} all host kernels share.
 */
final class HostPlatform implements Platform {
    private final String kernelName;
    private final TimerScheduler scheduler;
    private final HostDevices devices;
    /** Lazily made parts; each written once under the lock, read without it. */
    private volatile System.Logger logger;
    private volatile SecureRandom random;
    private volatile KernelTimers timers;
    private volatile KernelThreads threads;
    /** Guarded by this. */
    private boolean closed;
    /** TAPs opened by host name ({@code "tap:tap0"}), closed with the kernel; guarded by this. */
    private final List<TapDevice> taps = new ArrayList<>(0);

    HostPlatform(PlatformConfig config, TimerScheduler scheduler) throws ErrnoException {
        this.kernelName = config.kernelName();
        this.scheduler = scheduler;
        this.devices = HostDevices.check(config.devices(), config.options());
    }

    @Override
    public String name() {
        return HostPlatformProvider.NAME;
    }

    @Override
    public long monotonicNanos() {
        return System.nanoTime();
    }

    /** From {@link Instant#now()}, which has microsecond (or finer) resolution, where {@code currentTimeMillis} has only milliseconds. */
    @Override
    public long wallClockNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Override
    public void sleepNanos(long nanos) throws InterruptedException {
        TimeUnit.NANOSECONDS.sleep(nanos);
    }

    @Override
    public void entropy(byte[] dst) {
        SecureRandom r = random;
        if (r == null) {
            synchronized (this) {
                r = random;
                if (r == null) {
                    r = new SecureRandom();
                    random = r;
                }
            }
        }
        r.nextBytes(dst);
    }

    @Override
    public Thread newThread(String name, Runnable body) {
        KernelThreads t = threads;
        if (t == null) {
            synchronized (this) {
                checkOpen();
                t = threads;
                if (t == null) {
                    t = new KernelThreads(kernelName, logger());
                    threads = t;
                }
            }
        }
        return t.newThread(name, body);
    }

    /** After close the timer is returned but never fires: a callout racing with close is not an error. */
    @Override
    public Timer schedule(long delayNanos, Runnable task) {
        KernelTimers t = timers;
        if (t == null) {
            synchronized (this) {
                t = timers;
                if (t == null) {
                    t = new KernelTimers(scheduler, logger());
                    if (closed) {
                        t.close();
                    }
                    timers = t;
                }
            }
        }
        return t.schedule(delayNanos, task);
    }

    /** Named {@code jrump.<kernel>}, so a logging configuration can quiet or raise one kernel; found when first used ({@link KernelLogger}). */
    @Override
    public System.Logger logger() {
        System.Logger l = logger;
        if (l == null) {
            l = new KernelLogger("jrump." + kernelName);
            logger = l; // racing threads get equal loggers; no lock needed
        }
        return l;
    }

    @Override
    public List<DeviceInfo> devices() {
        return devices.infos();
    }

    @Override
    public BlockDevice blockDevice(String name) throws ErrnoException {
        synchronized (this) {
            if (closed) {
                throw new ErrnoException(Errno.ENXIO, name + ": kernel " + kernelName + " is closed");
            }
        }
        return devices.open(name);
    }

    /**
     * A configured network device by its interface name ("eth0"), or a host TAP by its host
     * name ("tap:tap0"; each call attaches anew). Its MAC address is random and locally
     * administered, drawn from this kernel's entropy.
     */
    @Override
    public NetDevice netDevice(String name) throws ErrnoException {
        synchronized (this) {
            if (closed) {
                throw new ErrnoException(Errno.ENXIO, name + ": kernel " + kernelName + " is closed");
            }
        }
        byte[] mac = new byte[6];
        entropy(mac);
        mac[0] = (byte) ((mac[0] & 0xfe) | 0x02); // unicast, locally administered (IEEE 802, bits 0 and 1)
        if (!name.startsWith(TapDevice.PREFIX)) {
            return devices.openNet(name, mac, this::newThread);
        }
        HostDevices.TapOptions o = devices.tapOptions();
        TapDevice t = TapDevice.open(name.substring(TapDevice.PREFIX.length()), o.create(), o.offload(), mac, this::newThread);
        synchronized (this) {
            if (!closed) {
                taps.removeIf(TapDevice::isClosed);
                taps.add(t);
                return t;
            }
        }
        t.close();
        throw new ErrnoException(Errno.ENXIO, name + ": kernel " + kernelName + " is closed");
    }

    /**
     * Closes the TAPs (their receive threads end only that way), cancels the kernel's timers,
     * stops its threads, closes the other devices it opened. Idempotent.
     */
    @Override
    public void close() {
        KernelTimers t;
        KernelThreads th;
        List<TapDevice> adHoc;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            t = timers;
            th = threads;
            adHoc = new ArrayList<>(taps);
            taps.clear();
        }
        for (TapDevice tap : adHoc) {
            tap.close();
        }
        for (Exception e : devices.closeNet()) {
            logger().log(System.Logger.Level.WARNING, "closing a TAP of kernel " + kernelName + " failed", e);
        }
        if (t != null) {
            t.close();
        }
        if (th != null) {
            th.close();
        }
        for (Exception e : devices.close()) {
            logger().log(System.Logger.Level.WARNING, "closing a device of kernel " + kernelName + " failed", e);
        }
    }

    /** Pending timers of this kernel, for tests. */
    int pendingTimers() {
        KernelTimers t = timers;
        return t == null ? 0 : t.pendingCount();
    }

    /** Kernel threads alive, for tests. */
    int liveThreads() {
        KernelThreads t = threads;
        return t == null ? 0 : t.liveCount();
    }

    @Override
    public String toString() {
        return "HostPlatform[" + kernelName + "]";
    }

    private void checkOpen() {
        if (closed) {
            throw new KernelClosedException("kernel " + kernelName + " is closed");
        }
    }
}
