package io.jrump.net.dev;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.NetDevice;
import io.jrump.net.link.FrameTaker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A taken frame reaches the receiver without a copy; an ordinary transmit still copies. */
class FrameTakerTest {
    private static byte[] frame(int fill) {
        byte[] f = new byte[60];
        java.util.Arrays.fill(f, (byte) fill);
        f[0] = 0x02; // unicast to 02:...: the receiving port's MAC is set below
        return f;
    }

    private static final byte[] MAC_B = {0x02, 0, 0, 0, 0, 0x0b};

    @Test
    void busTransmitCopiesButTransmitTakenDoesNot() throws Exception {
        EthernetBus bus = new EthernetBus();
        try (NetDevice a = bus.port(new byte[] {0x02, 0, 0, 0, 0, 0x0a}); NetDevice b = bus.port(MAC_B)) {
            List<byte[]> seen = new ArrayList<>();
            List<Boolean> readOnly = new ArrayList<>();
            b.receiver(f -> {
                byte[] x = new byte[f.remaining()];
                f.duplicate().get(x);
                seen.add(x);
                readOnly.add(f.isReadOnly());
            });
            byte[] bytes = frame(7);
            System.arraycopy(MAC_B, 0, bytes, 0, 6);
            ByteBuffer reused = ByteBuffer.wrap(bytes.clone());
            a.transmit(reused);
            reused.put(20, (byte) 99); // the sender reuses its buffer: the delivered frame was a copy
            assertArrayEquals(bytes, seen.get(0));

            // a taken frame with its start past the buffer's beginning (headroom left unused)
            ByteBuffer taken = ByteBuffer.allocate(4 + bytes.length).position(4);
            taken.duplicate().put(bytes);
            ((FrameTaker) a).transmitTaken(taken);
            assertArrayEquals(bytes, seen.get(1));
            assertTrue(readOnly.get(0) && readOnly.get(1), "receivers get read-only frames");
        }
    }

    @Test
    void loopbackTakesFrames() throws Exception {
        try (LoopbackDevice lo = new LoopbackDevice()) {
            assertInstanceOf(FrameTaker.class, lo);
            List<byte[]> seen = new ArrayList<>();
            lo.receiver(f -> {
                assertEquals(0, f.position());
                byte[] x = new byte[f.remaining()];
                f.duplicate().get(x);
                seen.add(x);
            });
            byte[] bytes = frame(5);
            ByteBuffer taken = ByteBuffer.allocate(2 + bytes.length).position(2);
            taken.duplicate().put(bytes);
            lo.transmitTaken(taken);
            assertArrayEquals(bytes, seen.get(0));
        }
    }
}
