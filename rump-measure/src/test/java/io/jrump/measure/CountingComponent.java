package io.jrump.measure;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.spi.ComponentContext;
import io.jrump.api.spi.KernelComponent;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A component for these tests only: counts the kernels it is attached to and closed with,
 * and can be told to fail the n-th attach, to see what a fleet does when a boot fails.
 * Only kernels that ask for it by name get it.
 */
public final class CountingComponent implements KernelComponent {
    static final String NAME = "counting";
    static final AtomicInteger ATTACHED = new AtomicInteger();
    static final AtomicInteger CLOSED = new AtomicInteger();
    /** The attach (counting from 1) that fails; 0 for none. */
    static volatile int failAt;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void attach(ComponentContext context) throws ErrnoException {
        if (ATTACHED.incrementAndGet() == failAt) {
            throw new ErrnoException(Errno.ENOMEM, "counting: told to fail");
        }
        context.register(CountingComponent.class, this);
        context.register(AutoCloseable.class, CLOSED::incrementAndGet);
    }

    static void reset(int failingAttach) {
        ATTACHED.set(0);
        CLOSED.set(0);
        failAt = failingAttach;
    }
}
