package io.jrump.net.channels;

import io.jrump.api.Rump;

/**
 * The JVM-wide provider: started with
 * {@code -Djava.nio.channels.spi.SelectorProvider=io.jrump.net.channels.SystemSelectorProvider},
 * an unmodified program's {@code SocketChannel.open()}, {@code ServerSocketChannel.open()} and
 * {@code Selector.open()} (and the JDK classes built on them, such as
 * {@code com.sun.net.httpserver.HttpServer}) run over one kernel booted on first use.
 *
 * <p>This first form boots a kernel with the network component and nothing attached but its
 * loopback interface, so programs reach each other on 127.0.0.1 inside the kernel, never the
 * host's network. Attaching a bus or TAP by properties is not offered yet.
 */
public final class SystemSelectorProvider extends KernelSelectorProvider {
    /** Called by {@link java.nio.channels.spi.SelectorProvider#provider()} through the system property. */
    public SystemSelectorProvider() {
        super(Rump.builder().component("net").boot());
    }
}
