/**
 * The base kernel (processes, descriptors, pipes, poll, the system call layer, component
 * linking) and the default host platform (its TAP devices reach Linux through JNA).
 */
module io.jrump.kernel {
    requires transitive io.jrump.api;
    requires com.sun.jna;

    exports io.jrump.kern;
    exports io.jrump.kern.platform;
    exports io.jrump.dev;
    exports io.jrump.dev.part;
    // HostTools: the demo, the benchmarks and the tests run the host's peer tools through it.
    exports io.jrump.platform.host;

    uses io.jrump.api.spi.PlatformProvider;
    uses io.jrump.api.spi.KernelComponent;

    provides io.jrump.api.spi.KernelFactory with io.jrump.kern.internal.RumpKernelFactory;
    provides io.jrump.api.spi.PlatformProvider with io.jrump.platform.host.HostPlatformProvider;
}
