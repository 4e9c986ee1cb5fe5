package io.jrump.net.summon;

import io.jrump.api.KernelAccounting;
import io.jrump.api.RumpKernel;
import java.io.IOException;

/** One service of a {@link Summoner}: booted when traffic for it arrives, shut down when idle. */
public interface SummonedService extends AutoCloseable {
    String name();

    /** The kernel now running the service, or null while none is. */
    RumpKernel kernel();

    /** What every kernel of this service has cost, the running one included ({@code boots} counts them). */
    KernelAccounting totals();

    /**
     * Rehearses a summons off the service's device (a kernel booted from the service's builder,
     * the service started on it, one connection made to it over an in-memory link, all shut
     * down again), so that the first real summons does not pay for loading the code on its
     * path. Call it before announcing the service; it fails as a summons would (the service
     * not starting, not listening on its port). Nothing reaches the device or the accounting.
     */
    void warmUp() throws IOException;

    /** Shuts the running kernel down (reported) and releases the service's device or socket. */
    @Override
    void close();
}
