package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.kern.Cred;
import io.jrump.net.wire.Icmpv4Packet;
import io.jrump.net.wire.Ipv4Packet;
import java.nio.ByteBuffer;

/**
 * An ICMP "ping socket", as Linux has them ({@code socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)}):
 * the caller sends an echo request (ICMP header and data), the kernel puts the socket's
 * identifier (its "port") into it and computes the checksum; {@code recv} returns echo replies
 * carrying that identifier, ICMP header included. This lets programs ping through the plain
 * socket calls, without raw sockets or privileges.
 */
final class PingSocket extends DatagramSocket {

    private final Icmp icmp;

    PingSocket(Sockets stack, Icmp icmp, PortTable ids, Cred cred, int statusFlags) {
        super(stack, ids, cred, statusFlags);
        this.icmp = icmp;
    }

    @Override
    void checkPayload(ByteBuffer data) throws ErrnoException {
        if (data.remaining() < Icmpv4Packet.HEADER_LEN) {
            throw new ErrnoException(Errno.EINVAL, "an echo request needs an 8-byte ICMP header");
        }
        if ((data.get(data.position()) & 0xff) != Icmpv4Packet.TYPE_ECHO_REQUEST || data.get(data.position() + 1) != 0) {
            throw new ErrnoException(Errno.EINVAL, "ping sockets send only echo requests (type 8, code 0)");
        }
    }

    @Override
    void transmit(int src, int sport, int dst, int dport, ByteBuffer data) throws ErrnoException {
        icmp.echoRequest(src, dst, sport, data);
    }

    @Override
    int maxPayload() {
        return Ipv4Packet.MAX_LENGTH - Ipv4Packet.HEADER_LEN;
    }

    @Override
    int protocolNumber() {
        return Ipv4Packet.PROTO_ICMP;
    }
}
