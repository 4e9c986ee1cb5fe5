package io.jrump.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jrump.api.NetDevice;
import io.jrump.net.wire.EthernetFrame;
import io.jrump.net.wire.Ipv4Packet;
import java.nio.ByteBuffer;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Frames longer than the device's MTU from the host (a peer whose MTU is larger than it told
 * us, a forged frame) are counted as "oversize" and dropped, never thrown; only TCP on a device
 * with segmentation offload (a TAP's GRO'd frames) may be that long.
 */
class NetIfOversizeTest {
    /** An Ethernet frame to the interface's MAC carrying an IPv4 header for {@code protocol}, {@code length} bytes in all. */
    private static ByteBuffer frame(int length, int protocol) {
        ByteBuffer b = ByteBuffer.allocate(length);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) EthernetFrame.ETHERTYPE_IPV4);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (length - 14)).putInt(0).put((byte) 64).put((byte) protocol);
        return b.clear();
    }

    private static Long oversize(NetIf ifp) {
        return ifp.counters().get("drops.oversize");
    }

    @Test
    void aFrameBeyondTheMtuIsCountedAndDropped() {
        StubWire w = new StubWire(Set.of());
        NetIf ifp = new NetIf("eth0", w, false);
        ifp.setUp(true);
        ifp.attach();
        w.receiver.receive(frame(1514, 17));
        assertNull(oversize(ifp), "a full-sized frame is not oversize");
        w.receiver.receive(frame(9014, 17));
        w.receiver.receive(frame(1515, Ipv4Packet.PROTO_TCP));
        assertEquals(2L, oversize(ifp));
        assertNull(ifp.counters().get("drops.internal_error"));
    }

    @Test
    void withSegmentationOffloadOnlyTcpMayBeLonger() {
        StubWire w = new StubWire(Set.of(NetDevice.Offload.SEGMENTATION));
        NetIf ifp = new NetIf("eth0", w, false);
        ifp.setUp(true);
        ifp.attach();
        w.receiver.receive(frame(65_000, Ipv4Packet.PROTO_TCP));
        assertNull(oversize(ifp), "a GRO'd TCP frame was dropped");
        w.receiver.receive(frame(4000, 1));
        assertEquals(1L, oversize(ifp));
    }
}
