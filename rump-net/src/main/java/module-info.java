/**
 * The network faction: wire formats, interfaces, ARP, IPv4, ICMP, UDP, the socket layer,
 * in-memory devices (bus, link emulator, pcap) and the virtual clock; TCP plugs in as a
 * {@link io.jrump.netinet.TransportFactory}. Above the stack, programs that use nothing but a
 * kernel's system calls: an HTTP file server ({@code io.jrump.net.http}) and port forwarding from
 * the host into a kernel ({@code io.jrump.net.hostfwd}).
 */
module io.jrump.net {
    requires transitive io.jrump.kernel;

    exports io.jrump.net;
    exports io.jrump.net.wire;
    exports io.jrump.net.dev;
    exports io.jrump.net.link;
    exports io.jrump.net.http;
    exports io.jrump.net.hostfwd;
    exports io.jrump.net.summon;
    exports io.jrump.netinet;
    exports io.jrump.netinet.tcp;
    exports io.jrump.net.channels;

    uses io.jrump.netinet.TransportFactory;

    provides io.jrump.api.spi.KernelComponent with io.jrump.netinet.NetComponent;
    provides io.jrump.netinet.TransportFactory with io.jrump.netinet.tcp.TcpTransportFactory;
}
