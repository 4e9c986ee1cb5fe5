package io.jrump.api.spi;

import io.jrump.api.ErrnoException;
import java.util.Set;

/**
 * Service for a faction of the kernel (rump's rumpvfs, rumpnet): found by
 * {@link java.util.ServiceLoader} or named in the builder, attached to each kernel at boot
 * after the components it requires.
 */
public interface KernelComponent {
    /** The name the builder uses ("vfs", "net"). */
    String name();

    /** Components that must be attached first. */
    default Set<String> requires() {
        return Set.of();
    }

    /** Attaches the component to one kernel being booted; registers what it provides in {@code context}. */
    void attach(ComponentContext context) throws ErrnoException;
}
