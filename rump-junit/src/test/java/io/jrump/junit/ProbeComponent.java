package io.jrump.junit;

import io.jrump.api.spi.ComponentContext;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.KernelComponent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A kernel component for these tests only: it remembers, per kernel name, what the kernel
 * was booted with, so a test can see that the extension passed its settings on.
 */
public final class ProbeComponent implements KernelComponent {
    static final String NAME = "probe";
    static final String WORD = "probe.word";

    /** What the probe saw when attached to one kernel. */
    record Sighting(String word, String platform, List<DeviceInfo> devices) {
    }

    private static final Map<String, Sighting> SEEN = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void attach(ComponentContext context) {
        SEEN.put(context.kernelName(), new Sighting(context.option(WORD, null), context.platform().name(), context.platform().devices()));
    }

    /** What the probe saw in the kernel of that name, or null when it was not attached to it. */
    static Sighting seen(String kernelName) {
        return SEEN.get(kernelName);
    }
}
