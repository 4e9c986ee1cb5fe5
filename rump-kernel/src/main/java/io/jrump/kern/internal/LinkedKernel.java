package io.jrump.kern.internal;

import io.jrump.api.RumpKernel;
import io.jrump.api.spi.BootConfig;
import io.jrump.api.spi.KernelComponent;
import io.jrump.api.spi.KernelImage;
import io.jrump.api.spi.PlatformProvider;
import java.util.List;

/** A configuration with its platform provider and components resolved: booting it looks nothing up. */
record LinkedKernel(BootConfig config, PlatformProvider provider, List<KernelComponent> components, List<String> componentNames)
        implements KernelImage {

    LinkedKernel(BootConfig config, PlatformProvider provider, List<KernelComponent> components) {
        this(config, provider, List.copyOf(components), components.stream().map(KernelComponent::name).toList());
    }

    @Override
    public RumpKernel boot() {
        return Kernel.boot(this);
    }
}
