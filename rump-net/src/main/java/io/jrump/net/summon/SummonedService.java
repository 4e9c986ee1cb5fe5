package io.jrump.net.summon;

import io.jrump.api.KernelAccounting;
import io.jrump.api.RumpKernel;

/** One service of a {@link Summoner}: booted when traffic for it arrives, shut down when idle. */
public interface SummonedService extends AutoCloseable {
    String name();

    /** The kernel now running the service, or null while none is. */
    RumpKernel kernel();

    /** What every kernel of this service has cost, the running one included ({@code boots} counts them). */
    KernelAccounting totals();

    /** Shuts the running kernel down (reported) and releases the service's device or socket. */
    @Override
    void close();
}
