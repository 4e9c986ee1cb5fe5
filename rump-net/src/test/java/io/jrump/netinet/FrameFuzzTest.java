package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.NetDevice;
import io.jrump.kern.Cred;
import io.jrump.kern.SocketFile;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.dev.Simulation;
import io.jrump.net.wire.ArpPacket;
import io.jrump.dev.net.Checksum;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Address;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.testing.TestPlatform;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.BinaryOperator;

/**
 * Arbitrary frames into an interface. Each input is either raw bytes, or an IPv4 packet or an
 * ARP packet with a valid outer shape and fuzzed contents (so the fuzzer gets past the first
 * checksum). The stack survives across inputs, so state has the chance to pile up: after each
 * input no handler may have thrown (the interface counts that as an internal error) and the
 * ARP table, the ARP hold queue and reassembly must stay within their limits.
 *
 * <p>Without JAZZER_FUZZ=1 this runs the committed corpus as a regression test.
 */
class FrameFuzzTest {
    private static final int OURS = Ipv4Address.parse("10.0.0.1");
    private static final int PEER = Ipv4Address.parse("10.0.0.2");

    /** One stack on a simulated bus and a raw port to inject from; kept across inputs on purpose. */
    private static final class Fixture {
        final Simulation sim = new Simulation(1);
        final InetStack stack;
        final NetDevice raw;
        final long ourMac;

        Fixture() throws Exception {
            EthernetBus bus = EthernetBus.simulated(sim);
            BinaryOperator<String> options = (k, d) -> d;
            stack = new InetStack(new TestPlatform(), options, java.util.List.of());
            NetDevice port = bus.port();
            ourMac = EthernetFrame.mac(port.macAddress());
            InetConfig config = new InetConfig(new StackHolder(stack));
            stack.create("shm0", port);
            config.ipv4Address("shm0", "10.0.0.1/24");
            raw = bus.port();
            raw.receiver(f -> { });
            SocketFile udp = stack.udp.socket(Cred.ROOT, 0);
            udp.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 7));
            SocketFile ping = stack.icmp.pingSocket(Cred.ROOT, 0);
            ping.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 1));
            sim.runUntilIdle();
        }
    }

    private static Fixture fixture;

    private static synchronized Fixture fixture() throws Exception {
        if (fixture == null) {
            fixture = new Fixture();
        }
        return fixture;
    }

    @FuzzTest(maxDuration = "30s")
    void frames(FuzzedDataProvider data) throws Exception {
        Fixture f = fixture();
        int kind = data.consumeInt(0, 2);
        long dstMac = data.consumeBoolean() ? EthernetFrame.BROADCAST : f.ourMac;
        int etherType;
        byte[] payload;
        switch (kind) {
            case 0 -> {
                etherType = data.consumeBoolean() ? EthernetFrame.ETHERTYPE_IPV4 : data.consumeInt(0, 0xffff);
                payload = data.consumeRemainingAsBytes();
            }
            case 1 -> {
                etherType = EthernetFrame.ETHERTYPE_IPV4;
                payload = ipv4(data);
            }
            default -> {
                etherType = EthernetFrame.ETHERTYPE_ARP;
                ByteBuffer b = ByteBuffer.allocate(ArpPacket.LENGTH);
                ArpPacket.emit(b, 0, data.consumeInt(0, 3), data.consumeLong() & 0xffff_ffff_ffffL,
                        data.consumeBoolean() ? PEER + data.consumeInt(0, 600) : data.consumeInt(), 0,
                        data.consumeBoolean() ? OURS : data.consumeInt());
                payload = b.array();
            }
        }
        if (payload.length > 9000) {
            payload = java.util.Arrays.copyOf(payload, 9000);
        }
        ByteBuffer frame = ByteBuffer.allocate(EthernetFrame.HEADER_LEN + payload.length);
        EthernetFrame.emitHeader(frame, 0, dstMac, 0x0200_0000_0099L, etherType);
        frame.put(EthernetFrame.HEADER_LEN, payload);
        if (frame.capacity() <= 1514) {
            f.raw.transmit(frame);
        }
        f.sim.runFor(1_000_000);

        var shm0 = f.stack.find("shm0");
        assertEquals(0L, shm0.ifp.counters().getOrDefault("drops.internal_error", 0L), "a handler threw");
        assertEquals(0L, f.stack.lo0.ifp.counters().getOrDefault("drops.internal_error", 0L), "a handler threw");
        assertTrue(shm0.arp.size() <= Arp.MAX_ENTRIES);
        assertTrue(shm0.arp.heldDatagrams() <= Arp.MAX_HELD);
        assertTrue(f.stack.ip.reassembly().datagrams() <= Reassembly.MAX_DATAGRAMS);
        assertTrue(f.stack.ip.reassembly().memory() <= Reassembly.DEFAULT_MEMORY);
    }

    /** An IPv4 packet to us with fuzzed fields and payload, its header checksum made right. */
    private static byte[] ipv4(FuzzedDataProvider data) {
        int proto = switch (data.consumeInt(0, 3)) {
            case 0 -> Ipv4Packet.PROTO_ICMP;
            case 1 -> Ipv4Packet.PROTO_UDP;
            case 2 -> Ipv4Packet.PROTO_TCP;
            default -> data.consumeInt(0, 255);
        };
        int flags = data.consumeBoolean() ? Ipv4Packet.FLAG_MF : 0;
        int offset = data.consumeInt(0, 8191) * 8;
        int ttl = data.consumeInt(0, 255);
        int ident = data.consumeInt(0, 3);
        int src = data.consumeBoolean() ? PEER : data.consumeInt();
        int dst = data.consumeBoolean() ? OURS : data.consumeInt();
        boolean fixTransportChecksum = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        ByteBuffer b = ByteBuffer.allocate(Ipv4Packet.HEADER_LEN + body.length);
        b.put(Ipv4Packet.HEADER_LEN, body);
        if (fixTransportChecksum && offset == 0 && flags == 0) {
            if (proto == Ipv4Packet.PROTO_UDP && body.length >= 8) {
                b.putShort(Ipv4Packet.HEADER_LEN + 4, (short) body.length);
                b.putShort(Ipv4Packet.HEADER_LEN + 6, (short) 0);
                long sum = Checksum.add(Checksum.pseudoHeader(src, dst, proto, body.length), b, Ipv4Packet.HEADER_LEN, body.length);
                b.putShort(Ipv4Packet.HEADER_LEN + 6, (short) Checksum.finish(sum));
            } else if (proto == Ipv4Packet.PROTO_ICMP && body.length >= 8) {
                b.putShort(Ipv4Packet.HEADER_LEN + 2, (short) 0);
                b.putShort(Ipv4Packet.HEADER_LEN + 2, (short) Checksum.of(b, Ipv4Packet.HEADER_LEN, body.length));
            }
        }
        Ipv4Packet.emitHeader(b, 0, 0, Math.min(b.capacity(), 65535), ident, flags, offset, ttl, proto, src, dst);
        return b.array();
    }
}
