package io.jrump.api.spi;

import io.jrump.api.ErrnoException;

/**
 * Service for a platform (rump's hypercall implementation): the host JVM, Xen, ARM virtio.
 * Availability is probed once per provider, after the Netty native-transport habit.
 */
public interface PlatformProvider {
    /** The name users ask for ("host", "xen", "arm"). */
    String name();

    /** Whether this platform can run on this machine; called once and remembered. */
    Probe probe();

    /** Opens the platform for one kernel; must be cheap, kernels boot by the thousand. */
    Platform open(PlatformConfig config) throws ErrnoException;
}
