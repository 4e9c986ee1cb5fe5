package io.jrump.platform.host;

import io.jrump.api.ErrnoException;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;

/**
 * The default platform: the JVM the program already runs in. Always supported, and of the
 * lowest priority, so that any platform that can run here (a Xen guest, virtio hardware) is
 * preferred when nobody names one, and the host is what remains.
 *
 * <p>Every kernel this provider opens schedules its timers on {@link TimerScheduler#shared()},
 * whose threads exist only while some timer is pending.
 */
public final class HostPlatformProvider implements PlatformProvider {
    /** The name users ask for. */
    public static final String NAME = "host";
    /** Lowest of all platforms: the fallback when nothing better is supported. */
    public static final int PRIORITY = 0;
    private static final Probe PROBE = Probe.supported(PRIORITY, "the host JVM");

    private final TimerScheduler timers;

    /** For {@link java.util.ServiceLoader}. */
    public HostPlatformProvider() {
        this(TimerScheduler.shared());
    }

    /** For tests that need a scheduler of their own (a short keep-alive, threads they can count). */
    HostPlatformProvider(TimerScheduler timers) {
        this.timers = timers;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Probe probe() {
        return PROBE;
    }

    /**
     * Opens the platform for one kernel: checks its devices (a {@code stat} per file) and
     * allocates nothing else.
     *
     * @throws ErrnoException naming the device that cannot be used and why
     */
    @Override
    public Platform open(PlatformConfig config) throws ErrnoException {
        return new HostPlatform(config, timers);
    }
}
