package io.jrump.net.channels;

/**
 * The JVM-wide provider: started with
 * {@code -Djava.nio.channels.spi.SelectorProvider=io.jrump.net.channels.SystemSelectorProvider},
 * an unmodified program's {@code SocketChannel.open()}, {@code ServerSocketChannel.open()},
 * {@code DatagramChannel.open()}, {@code Pipe.open()} and {@code Selector.open()} (and the JDK classes built on them, such as
 * {@code com.sun.net.httpserver.HttpServer}, {@code java.net.http.HttpClient} and Netty's NIO
 * transport) run over one kernel booted on first use. Which kernel, and how it is attached, the
 * {@code jrump.channels.*} system properties say ({@link SystemKernel}): by default nothing but
 * its loopback interface, so programs reach each other on 127.0.0.1 inside the kernel, never the
 * host's network.
 *
 * <p>What does not follow the switch in JDK 17: {@code java.net.Socket} and
 * {@code java.net.ServerSocket} (their implementation, {@code sun.nio.ch.NioSocketImpl}, calls
 * the host directly), so {@code HttpURLConnection} and other code that constructs sockets itself
 * stays on the host; give such code {@link KernelChannels#socketFactory} where it takes a factory.
 * {@code java.net.DatagramSocket} likewise; {@code AsynchronousSocketChannel} uses its own provider, not this one; {@code FileChannel} is not
 * networking.
 */
public final class SystemSelectorProvider extends KernelSelectorProvider {
    /** Called by {@link java.nio.channels.spi.SelectorProvider#provider()} through the system property. */
    public SystemSelectorProvider() {
        super(SystemKernel.boot(System::getProperty));
    }
}
