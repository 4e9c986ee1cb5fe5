package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.spi.ComponentContext;
import io.jrump.kern.Accounting;
import java.util.List;
import java.util.function.Supplier;

/**
 * Makes a kernel's {@link InetStack} on first use and closes it with the kernel. Kernels boot by
 * the thousand and most never touch the network: at boot the network component costs this one
 * small object, no table, no interface, no thread.
 */
final class StackHolder implements AutoCloseable {
    private final ComponentContext context;
    private final Supplier<List<TransportFactory>> factories;
    private InetStack stack;
    private boolean closed;

    StackHolder(ComponentContext context, Supplier<List<TransportFactory>> factories) {
        this.context = context;
        this.factories = factories;
    }

    /** A holder around a stack made by hand (tests, tools). */
    StackHolder(InetStack ready) {
        this.context = null;
        this.factories = List::of;
        this.stack = ready;
    }

    synchronized InetStack get() throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.ENETDOWN, "the kernel's network stack is closed");
        }
        if (stack == null) {
            try {
                stack = new InetStack(context.platform(), context::option, factories.get(), context.lookup(Accounting.class));
            } catch (IllegalArgumentException e) {
                throw new ErrnoException(Errno.EINVAL, e.getMessage());
            }
        }
        return stack;
    }

    /** The stack if it was ever made, for tests and tools; null otherwise. */
    synchronized InetStack peek() {
        return stack;
    }

    @Override
    public void close() {
        InetStack s;
        synchronized (this) {
            closed = true;
            s = stack;
            stack = null;
        }
        if (s != null) {
            s.close();
        }
    }
}
