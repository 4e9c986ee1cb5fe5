package io.jrump.netinet;

/**
 * Service for transports that live beside the IP layer (TCP): found with
 * {@link java.util.ServiceLoader} inside the network component, one transport made per kernel.
 */
public interface TransportFactory {
    /** {@code option} reads the kernel's options ("tcp.msl", "tcp.cc"). */
    Transport create(IpLayer ip, java.util.function.BinaryOperator<String> option);
}
