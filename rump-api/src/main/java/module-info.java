/** The public API of jrump: system calls, kernels, devices, and the service interfaces. */
module io.jrump.api {
    exports io.jrump.api;
    exports io.jrump.api.spi;

    uses io.jrump.api.spi.KernelFactory;
    // disks named SCHEME:ADDRESS (vhost-user-blk:SOCKET), opened for the CLI and the NIO provider alike
    uses io.jrump.api.spi.BlockDeviceProvider;
}
