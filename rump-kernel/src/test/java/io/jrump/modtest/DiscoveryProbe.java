package io.jrump.modtest;

import io.jrump.api.spi.ComponentContext;
import io.jrump.api.spi.KernelComponent;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A component that does nothing but count how often {@link java.util.ServiceLoader} made one,
 * which is how often the kernel looked its components up (see {@code BootTest}). In a package
 * of its own, not the kernel's, so that it is found on the class path beside the kernel module.
 */
public final class DiscoveryProbe implements KernelComponent {
    public static final String NAME = "discovery-probe";
    public static final AtomicInteger MADE = new AtomicInteger();

    public DiscoveryProbe() {
        MADE.incrementAndGet();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void attach(ComponentContext context) {
    }
}
