package io.jrump.net.channels;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.spi.SelectorProvider;

/** Two kernels on one in-memory bus, 10.0.0.1 ({@link #a}) and 10.0.0.2 ({@link #b}), with their channel providers. */
final class BusKernels implements AutoCloseable {
    final RumpKernel a;
    final RumpKernel b;
    final SelectorProvider pa;
    final SelectorProvider pb;

    BusKernels() {
        EthernetBus bus = new EthernetBus();
        a = boot(bus, "10.0.0.1/24");
        b = boot(bus, "10.0.0.2/24");
        pa = KernelChannels.provider(a);
        pb = KernelChannels.provider(b);
    }

    private static RumpKernel boot(EthernetBus bus, String address) {
        RumpKernel k = Rump.builder().component("net").boot();
        try {
            k.netconfig().ifcreate("shm0", bus.port());
            k.netconfig().ipv4Address("shm0", address);
        } catch (IOException e) {
            k.close();
            throw new UncheckedIOException(e);
        }
        return k;
    }

    static InetSocketAddress at(String ip, int port) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
