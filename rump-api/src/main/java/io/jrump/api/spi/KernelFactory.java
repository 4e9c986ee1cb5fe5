package io.jrump.api.spi;

/**
 * Service that turns configurations into kernels; the base kernel (rump-kernel) provides it.
 * Found by {@link java.util.ServiceLoader} so that the API module depends on nothing.
 */
public interface KernelFactory {
    /**
     * Resolves a configuration: selects the platform and the components, checks the devices.
     *
     * @throws io.jrump.api.BootException when the configuration cannot be booted, saying why
     */
    KernelImage link(BootConfig config);
}
