package io.jrump.virtio;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Which caller buffers lie in the shared memory, and at what guest-physical address. */
class GuestMemoryTest {
    private static final long BASE = 0x4000_0000L;

    @Test
    void slicesOfTheMemoryAreFoundAtTheirAddress() throws Exception {
        GuestMemory mem = GuestMemory.allocate(BASE, 64 * 1024);
        ByteBuffer s = mem.slice(BASE + 8192, 4096);
        assertEquals(BASE + 8192, mem.gpaOf(s));
        assertEquals(BASE + 8192 + 100, mem.gpaOf(s.position(100)), "from the buffer's position");
        assertEquals(BASE + 8192 + 100, mem.gpaOf(s.slice()), "a view of a view");
        ByteBuffer last = mem.slice(BASE + 60 * 1024, 4096);
        assertEquals(BASE + 60 * 1024, mem.gpaOf(last), "ends exactly at the end");
    }

    @Test
    void otherBuffersAreNot() throws Exception {
        GuestMemory mem = GuestMemory.allocate(BASE, 64 * 1024);
        assertEquals(-1, mem.gpaOf(ByteBuffer.allocate(4096)), "heap");
        assertEquals(-1, mem.gpaOf(ByteBuffer.allocateDirect(4096)), "another direct buffer");
        GuestMemory other = GuestMemory.allocate(BASE, 64 * 1024);
        assertEquals(-1, mem.gpaOf(other.slice(BASE, 4096)), "another memory at the same guest address");
    }

    @Test
    void zeroClearsExactlyTheRange() {
        GuestMemory mem = GuestMemory.allocate(BASE, 64 * 1024);
        for (int i = 0; i < 64 * 1024; i++) {
            mem.putByte(BASE + i, 0x5a);
        }
        mem.zero(BASE + 10, 9000);
        assertEquals(0x5a, mem.getByte(BASE + 9));
        assertEquals(0, mem.getByte(BASE + 10));
        assertEquals(0, mem.getByte(BASE + 9009));
        assertEquals(0x5a, mem.getByte(BASE + 9010));
    }
}
