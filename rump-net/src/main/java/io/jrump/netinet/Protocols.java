package io.jrump.netinet;

import io.jrump.net.wire.Ipv4Packet;
import java.nio.ByteBuffer;

/**
 * The protocol switch of a stack (NetBSD's {@code inetsw}): what IPv4 delivers to by protocol
 * number (ICMP, UDP and the transports found beside them, such as TCP), and where it sends its
 * own ICMP errors. Filled once while the stack is made, before any interface exists, and only
 * read afterwards; IPv4 and ICMP see each other only through it.
 */
final class Protocols {
    private final Transport[] byNumber = new Transport[256];
    private Icmp icmp;
    private Udp udp;
    private Transport stream;

    void icmp(Icmp i) {
        icmp = i;
    }

    void udp(Udp u) {
        udp = u;
        byNumber[u.protocol()] = u;
    }

    /** Adds a transport; false when its protocol number is taken (the caller closes it). */
    boolean add(Transport t) {
        if (byNumber[t.protocol()] != null) {
            return false;
        }
        byNumber[t.protocol()] = t;
        if (t.socketType() == io.jrump.api.SocketConstants.SOCK_STREAM && stream == null) {
            stream = t;
        }
        return true;
    }

    Transport transport(int protocol) {
        return byNumber[protocol & 0xff];
    }

    /** The transport that makes SOCK_STREAM sockets, or null until TCP is on the class path. */
    Transport stream() {
        return stream;
    }

    /**
     * Hands a datagram for this host to its protocol; false when none takes the protocol.
     * {@code flags} are {@link Transport}'s input flags.
     */
    boolean deliver(Ipv4Packet p, boolean broadcast, int flags) {
        int proto = p.protocol();
        if (proto == Ipv4Packet.PROTO_ICMP) {
            icmp.input(p, broadcast);
        } else if (proto == Ipv4Packet.PROTO_UDP) {
            udp.input(p, broadcast);
        } else {
            Transport t = transport(proto);
            if (t == null) {
                return false;
            }
            t.input(p.src(), p.dst(), p.payload(), flags);
        }
        return true;
    }

    /** Sends an ICMP error about {@code offending} ({@link Icmp#error}). */
    void icmpError(int type, int code, int rest, ByteBuffer offending) {
        icmp.error(type, code, rest, offending);
    }

    /** Closes every transport; {@code onFailure} counts one that threw. */
    void closeAll(Runnable onFailure) {
        for (Transport t : byNumber) {
            if (t != null) {
                try {
                    t.close();
                } catch (RuntimeException e) {
                    onFailure.run();
                }
            }
        }
    }
}
