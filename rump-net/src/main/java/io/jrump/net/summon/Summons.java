package io.jrump.net.summon;

import io.jrump.net.wire.ArpPacket;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.TcpSegment;
import io.jrump.net.wire.WireException;
import java.nio.ByteBuffer;

/**
 * Which frames summon a service at an IPv4 address and TCP port (after Jitsu's "conduit"
 * that boots a unikernel on the first packet for it): an ARP request for the address (RFC 826),
 * the first thing a client on the link sends, or a TCP SYN without ACK to the address and port
 * (RFC 9293 3.5), the first thing a client that still knows the MAC sends. Frames are untrusted:
 * anything that does not parse is no summons. The TCP checksum is not verified here (the booted
 * kernel does that when the frame is replayed), so a forged SYN costs a boot and nothing else.
 */
final class Summons {
    private Summons() {
    }

    /** Who sent a SYN: its IPv4 address (host order) and the MAC of the frame. */
    record Sender(int ip, byte[] mac) {
    }

    /** The sender of a TCP SYN for {@code ip} and {@code port}, or null for any other frame. */
    static Sender synSender(ByteBuffer frame, int ip, int port) {
        if (!isSummons(frame, ip, port)) {
            return null;
        }
        EthernetFrame f = new EthernetFrame(frame);
        if (f.etherType() != EthernetFrame.ETHERTYPE_IPV4) {
            return null; // an ARP request: the kernel learns its sender by itself
        }
        return new Sender(new Ipv4Packet(f.payload()).src(), EthernetFrame.macBytes(f.src()));
    }

    static boolean isSummons(ByteBuffer frame, int ip, int port) {
        try {
            EthernetFrame f = new EthernetFrame(frame);
            f.check();
            if (f.etherType() == EthernetFrame.ETHERTYPE_ARP) {
                ArpPacket a = new ArpPacket(f.payload());
                a.check();
                return a.operation() == ArpPacket.OP_REQUEST && a.targetIp() == ip;
            }
            if (f.etherType() != EthernetFrame.ETHERTYPE_IPV4) {
                return false;
            }
            Ipv4Packet p = new Ipv4Packet(f.payload());
            p.check();
            if (p.dst() != ip || p.protocol() != Ipv4Packet.PROTO_TCP || p.fragmentOffset() != 0) {
                return false;
            }
            ByteBuffer seg = p.payload();
            if (seg.remaining() < TcpSegment.HEADER_LENGTH) {
                return false;
            }
            TcpSegment t = new TcpSegment(seg);
            return t.dstPort() == port && t.has(TcpSegment.SYN) && !t.has(TcpSegment.ACK);
        } catch (WireException e) {
            return false;
        }
    }
}
