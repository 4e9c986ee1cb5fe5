package io.jrump.kern.internal;

import io.jrump.api.spi.BootConfig;
import io.jrump.api.spi.KernelComponent;
import io.jrump.testing.TestPlatform;
import java.util.List;
import java.util.Map;

/** Kernels on the {@link TestPlatform}, linked by hand, so the base kernel is tested on its own. */
final class TestKernels {
    private TestKernels() {
    }

    static Kernel boot(KernelComponent... components) {
        BootConfig config = new BootConfig(null, List.of(), Map.of(), List.of());
        return (Kernel) new LinkedKernel(config, new TestPlatform.Provider(), List.of(components)).boot();
    }
}
