package io.jrump.net.summon;

import io.jrump.api.RumpKernel;

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
}
