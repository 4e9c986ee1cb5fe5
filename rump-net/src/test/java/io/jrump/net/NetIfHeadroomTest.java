package io.jrump.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jrump.api.NetDevice;
import io.jrump.net.wire.EthernetFrame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetIfHeadroomTest {
    private static final class Capture implements NetDevice {
        final List<ByteBuffer> frames = new ArrayList<>();

        @Override
        public byte[] macAddress() {
            return new byte[] {2, 0, 0, 0, 0, 1};
        }

        @Override
        public int mtu() {
            return 1500;
        }

        @Override
        public void transmit(ByteBuffer frame) {
            frames.add(frame);
        }

        @Override
        public void receiver(Receiver receiver) {
        }

        @Override
        public boolean isLinkUp() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    /** With headroom the header goes in front of the payload in its own buffer; the bytes equal the copying path's. */
    @Test
    void headerIsWrittenInPlaceWhenThereIsRoom() throws Exception {
        Capture dev = new Capture();
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
        Capture dev = new Capture();
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
