/**
 * The base kernel (processes, descriptors, pipes, poll, the system call layer, component
 * linking) and the default host platform (its TAP devices reach Linux through JNA).
 *
 * <p>What other modules may use: {@code io.jrump.kern} is the contract the factions plug into
 * (the open file, credentials, the path and socket calls), for the project's file systems and
 * network stack only; {@code io.jrump.kern.internal} (the kernel itself) is nobody's but this
 * module's, and reaches users only as the {@code KernelFactory} service.
 */
@SuppressWarnings("module") // the qualified exports name modules built after this one
module io.jrump.kernel {
    requires transitive io.jrump.api;
    requires com.sun.jna;
    // ThreadMXBean: the thread CPU clock of accounting=cpu
    requires java.management;

    exports io.jrump.kern to io.jrump.fs, io.jrump.net;
    // Which platform would be chosen and why: `rump version` lists it.
    exports io.jrump.kern.platform to io.jrump.cli;
    // Block devices a program may hand a kernel: an image file, memory, faults injected.
    exports io.jrump.dev;
    exports io.jrump.dev.part to io.jrump.fs, io.jrump.cli;
    // The Internet checksum, shared by the network stack's wire formats and the platforms' network devices.
    exports io.jrump.dev.net to io.jrump.net, io.jrump.xen;
    // Callers waiting for their own requests' answers: the platforms' block and network drivers.
    exports io.jrump.dev.wait to io.jrump.arm, io.jrump.xen;
    // HostTools: the demo, the benchmarks and the tests run the host's peer tools through it.
    exports io.jrump.platform.host;
    // The one binding of the Linux C library calls, for the platforms that reach the host.
    exports io.jrump.platform.host.linux to io.jrump.arm, io.jrump.xen;

    uses io.jrump.api.spi.PlatformProvider;
    uses io.jrump.api.spi.KernelComponent;

    provides io.jrump.api.spi.KernelFactory with io.jrump.kern.internal.RumpKernelFactory;
    provides io.jrump.api.spi.PlatformProvider with io.jrump.platform.host.HostPlatformProvider;
}
