package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import org.junit.jupiter.api.BeforeEach;

/** The oracle: the conformance suite on the JDK's own provider over the host's loopback. */
class JdkLoopbackConformanceTest extends ChannelConformance {
    private final SelectorProvider jdk = SelectorProvider.provider();

    @BeforeEach
    void isTheJdksProvider() {
        assertFalse(jdk instanceof KernelSelectorProvider, "this JVM was started with the JVM-wide switch");
    }

    @Override
    SelectorProvider client() {
        return jdk;
    }

    @Override
    SelectorProvider server() {
        return jdk;
    }

    @Override
    InetAddress serverAddress() {
        return InetAddress.getLoopbackAddress();
    }
}
