/**
 * The network faction: wire formats, interfaces, ARP, IPv4, ICMP, UDP, the socket layer,
 * in-memory devices (bus, link emulator, pcap) and the virtual clock; TCP plugs in as a
 * {@link io.jrump.netinet.TransportFactory}.
 */
module io.jrump.net {
    requires transitive io.jrump.kernel;

    exports io.jrump.net;
    exports io.jrump.net.wire;
    exports io.jrump.net.dev;
    exports io.jrump.net.link;
    exports io.jrump.netinet;
    exports io.jrump.netinet.tcp;
    exports io.jrump.net.channels;

    uses io.jrump.netinet.TransportFactory;

    provides io.jrump.api.spi.KernelComponent with io.jrump.netinet.NetComponent;
    provides io.jrump.netinet.TransportFactory with io.jrump.netinet.tcp.TcpTransportFactory;
}
