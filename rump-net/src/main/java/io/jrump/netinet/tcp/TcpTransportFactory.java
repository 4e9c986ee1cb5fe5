package io.jrump.netinet.tcp;

import io.jrump.netinet.IpLayer;
import io.jrump.netinet.Transport;
import io.jrump.netinet.TransportFactory;
import java.util.function.BinaryOperator;

/**
 * Makes the TCP transport of a kernel's network stack (found through
 * {@code META-INF/services/io.jrump.netinet.TransportFactory}). Options: {@code tcp.cc}
 * ({@code newreno} or {@code cubic}), {@code tcp.msl} (ms), and the others named in
 * {@link TcpConfig}.
 */
public final class TcpTransportFactory implements TransportFactory {
    @Override
    public Transport create(IpLayer ip, BinaryOperator<String> option) {
        return new TcpTransport(ip, TcpConfig.from(option));
    }
}
