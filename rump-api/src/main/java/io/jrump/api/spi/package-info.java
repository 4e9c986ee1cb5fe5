/**
 * The service interfaces that implementations provide (layer 1 and the linking of layer 4):
 * {@link io.jrump.api.spi.Platform}, the hypercall interface a platform implements (rump's
 * rumpuser), found through {@link io.jrump.api.spi.PlatformProvider}; the
 * {@link io.jrump.api.spi.KernelComponent}s that factions plug in as; and the
 * {@link io.jrump.api.spi.KernelFactory} that links a configuration; and the
 * {@link io.jrump.api.spi.BlockDeviceProvider}s through which platform modules open disks named
 * {@code SCHEME:ADDRESS} outside a kernel. One public surface with
 * {@code io.jrump.api}: the two refer to each other.
 */
package io.jrump.api.spi;
