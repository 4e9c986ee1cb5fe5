package io.jrump.netinet.tcp;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.FrameLease;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * A segment that cannot go out in place is copied into the memory of an acknowledged chunk kept
 * for reuse, but only while nobody (the sender, a device, a receiver) still uses that memory.
 */
class SendBufferScratchTest {
    private static final int HEADROOM = 94;

    @Test
    void keptMemoryIsLentForACopyOnlyOnceNobodyUsesIt() {
        SendBuffer b = new SendBuffer(1 << 20, HEADROOM);
        b.segmentBytes(4096);
        b.append(ByteBuffer.wrap(new byte[3 * 4096]));
        assertNull(b.scratch(100), "nothing acknowledged, nothing kept");
        ByteBuffer first = b.lend(0, 4096, 20);
        FrameLease device = b.lease(0).retain(); // a device still delivers the frame
        b.skip(4096);
        assertNull(b.scratch(100), "the acknowledged chunk's frame is still in use");
        device.release();
        SendBuffer.Scratch s = b.scratch(100);
        assertNotNull(s, "free once the device is done");
        assertSame(first.array(), s.buffer().array());
        assertEquals(100, s.buffer().limit());
        assertNull(b.scratch(100), "lent for one segment until the sender ends the loan");
        s.lease().release();
        assertNull(b.scratch(HEADROOM + 4096 + 1), "a copy larger than the chunk's memory");
        assertNotNull(b.scratch(HEADROOM + 4096));
    }
}
