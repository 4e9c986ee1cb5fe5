package io.jrump.netinet;

import io.jrump.api.ErrnoException;
import io.jrump.kern.Cred;
import io.jrump.net.wire.Ipv4Packet;
import java.nio.ByteBuffer;

/** A UDP socket: a {@link DatagramSocket} whose datagrams go out through {@link Udp}. */
final class UdpSocket extends DatagramSocket {

    private final Udp udp;

    UdpSocket(Sockets stack, Udp udp, PortTable ports, Cred cred, int statusFlags) {
        super(stack, ports, cred, statusFlags);
        this.udp = udp;
    }

    @Override
    void transmit(int src, int sport, int dst, int dport, ByteBuffer data) throws ErrnoException {
        if (dport == 0) {
            throw new ErrnoException(io.jrump.api.Errno.EINVAL, "destination port 0");
        }
        udp.output(src, sport, dst, dport, data);
    }

    @Override
    int maxPayload() {
        return Udp.MAX_PAYLOAD;
    }

    @Override
    int protocolNumber() {
        return Ipv4Packet.PROTO_UDP;
    }
}
