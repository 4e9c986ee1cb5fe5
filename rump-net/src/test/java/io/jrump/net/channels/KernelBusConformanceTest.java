package io.jrump.net.channels;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.spi.SelectorProvider;
import org.junit.jupiter.api.AfterEach;

/** The conformance suite on jrump: the client in one kernel, the server in another, on the in-memory bus. */
class KernelBusConformanceTest extends ChannelConformance {
    private final BusKernels bus = new BusKernels();

    @AfterEach
    void shutDown() {
        bus.close();
    }

    @Override
    SelectorProvider client() {
        return bus.pa;
    }

    @Override
    SelectorProvider server() {
        return bus.pb;
    }

    @Override
    InetAddress serverAddress() {
        try {
            return InetAddress.getByName("10.0.0.2");
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
