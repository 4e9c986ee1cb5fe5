package io.jrump.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jrump.net.wire.EthernetFrame;
import java.nio.ByteBuffer;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NetIfHeadroomTest {
    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    /** With headroom the header goes in front of the payload in its own buffer; the bytes equal the copying path's. */
    @Test
    void headerIsWrittenInPlaceWhenThereIsRoom() throws Exception {
        StubWire dev = new StubWire(Set.of());
        NetIf ifp = new NetIf("eth0", dev, false);
        ifp.setUp(true);
        byte[] payload = new byte[100];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        ByteBuffer roomy = ByteBuffer.allocate(34 + payload.length).position(34);
        roomy.duplicate().put(payload);
        ifp.output(0x020000000002L, EthernetFrame.ETHERTYPE_IPV4, roomy, true);
        ifp.output(0x020000000002L, EthernetFrame.ETHERTYPE_IPV4, ByteBuffer.wrap(payload), false);
        ByteBuffer inPlace = dev.frames.get(0);
        ByteBuffer copied = dev.frames.get(1);
        assertSame(roomy.array(), inPlace.array(), "no copy");
        assertEquals(20, inPlace.position());
        assertArrayEquals(bytes(copied), bytes(inPlace));
    }

    /** Too little room, or a frame that needs padding to 60 bytes, falls back to a new buffer. */
    @Test
    void fallsBackWithoutRoomOrWhenPadding() throws Exception {
        StubWire dev = new StubWire(Set.of());
        NetIf ifp = new NetIf("eth0", dev, false);
        ifp.setUp(true);
        ByteBuffer tight = ByteBuffer.allocate(10 + 100).position(10);
        ifp.output(0x020000000002L, EthernetFrame.ETHERTYPE_IPV4, tight, true);
        ByteBuffer small = ByteBuffer.allocate(34 + 20).position(34);
        ifp.output(0x020000000002L, EthernetFrame.ETHERTYPE_IPV4, small, true);
        assertNotSame(tight.array(), dev.frames.get(0).array());
        assertEquals(EthernetFrame.HEADER_LEN + 100, dev.frames.get(0).remaining());
        assertNotSame(small.array(), dev.frames.get(1).array());
        assertEquals(EthernetFrame.MIN_FRAME_LEN, dev.frames.get(1).remaining());
    }
}
