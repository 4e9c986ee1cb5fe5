package io.jrump.net.summon;

import io.jrump.api.RumpKernel;
import java.util.concurrent.Executor;

/**
 * What runs on a summoned kernel: started once the kernel is booted and its interface is
 * configured, before any queued frame is replayed into it, so it must be listening when
 * {@link #start} returns (or the client's SYN is answered with a reset). The handle it returns
 * is closed before the kernel shuts down; threads it started end then, or fail with the
 * kernel's {@link io.jrump.api.KernelClosedException} right after.
 */
@FunctionalInterface
public interface Service {
    AutoCloseable start(RumpKernel kernel) throws Exception;

    /**
     * Starts the service with its threads taken from {@code threads}: the summoner's parked
     * threads, which run any number of tasks at once and take a task without creating a thread
     * while one waits. A new thread costs from a tenth of a millisecond to milliseconds on a busy
     * machine, a cost that would otherwise fall inside every cold summons, so a service that runs
     * threads (an accept loop, event loops) takes them from here. A task runs until the service
     * stops it; the thread then waits for the next one. By default, {@link #start(RumpKernel)}.
     */
    default AutoCloseable start(RumpKernel kernel, Executor threads) throws Exception {
        return start(kernel);
    }
}
