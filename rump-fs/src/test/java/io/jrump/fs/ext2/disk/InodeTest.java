package io.jrump.fs.ext2.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.DeviceNumber;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The inode's time and device fields, byte for byte as the ext4 wiki and Linux lay them out. */
class InodeTest {
    private static Inode inode(int size) {
        Inode in = new Inode(ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN), 0, size);
        if (size > Superblock.GOOD_OLD_INODE_SIZE) {
            in.setExtraIsize(Inode.DEFAULT_EXTRA_ISIZE);
        }
        return in;
    }

    private static long u32(Inode in, int at) {
        return in.buffer().getInt(at) & 0xffffffffL;
    }

    /** i_mtime at 0x10, i_mtime_extra at 0x88: seconds' low 32 bits, then nanoseconds << 2 | epoch bits. */
    @Test
    void timesPast2038And2262KeepEpochBitsAndNanoseconds() {
        Inode in = inode(256);
        Instant y2300 = Instant.parse("2300-01-01T00:00:00.25Z");
        in.setMtime(y2300);
        assertEquals(0x6cb5db00L, u32(in, 0x10));
        assertEquals(250_000_000L << 2 | 2, u32(in, 0x88));
        assertEquals(y2300, in.mtime());
        for (String t : new String[] {"1901-12-13T20:45:52Z", "1969-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z",
                "2038-01-19T03:14:07Z", "2038-01-19T03:14:08.5Z", "2106-02-07T06:28:16Z", "2446-05-10T22:38:55Z"}) {
            in.setAtime(Instant.parse(t));
            assertEquals(Instant.parse(t), in.atime(), t);
        }
    }

    /** Beyond 1901..2446 a time is clamped to the limit, nanoseconds dropped (timestamp_truncate), never wrapped. */
    @Test
    void timesBeyondTheRangeClamp() {
        Inode in = inode(256);
        in.setCtime(Instant.parse("2500-01-01T00:00:00.5Z"));
        assertEquals(Instant.parse("2446-05-10T22:38:55Z"), in.ctime());
        in.setCtime(Instant.parse("1800-01-01T00:00:00.5Z"));
        assertEquals(Instant.parse("1901-12-13T20:45:52Z"), in.ctime());
        assertEquals(0x80000000L, u32(in, 0x0C));
        assertEquals(0, u32(in, 0x84));
    }

    /** A 128-byte inode has only 32-bit seconds: 1901..2038, and no creation time. */
    @Test
    void smallInodesHoldThirtyTwoBitSeconds() {
        Inode in = inode(128);
        in.setMtime(Instant.parse("2300-01-01T00:00:00.25Z"));
        assertEquals(Instant.ofEpochSecond(Integer.MAX_VALUE), in.mtime());
        in.setMtime(Instant.parse("2000-01-01T00:00:00.25Z"));
        assertEquals(Instant.parse("2000-01-01T00:00:00Z"), in.mtime(), "no room for nanoseconds");
        assertNull(in.crtime());
    }

    /** Old encoding in i_block[0] below 256:256, the new one in i_block[1] above (Linux's ext2_write_inode). */
    @Test
    void deviceNumbersInBothEncodings() {
        Inode in = inode(256);
        in.setDevice(DeviceNumber.of(8, 1));
        assertEquals(0x0801, in.block(0));
        assertEquals(0, in.block(1));
        assertEquals(DeviceNumber.of(8, 1), in.device());
        in.setDevice(DeviceNumber.of(300, 70000));
        assertEquals(0, in.block(0));
        assertEquals((70000 & 0xff) | 300 << 8 | (70000 & ~0xff) << 12, in.block(1));
        assertEquals("300:70000", DeviceNumber.toString(in.device()));
        in.setDevice(DeviceNumber.of(4095, 1048575));
        assertEquals(DeviceNumber.of(4095, 1048575), in.device());
        assertTrue(Inode.holdsDevice(DeviceNumber.of(4095, 1048575)));
        assertFalse(Inode.holdsDevice(DeviceNumber.of(4096, 0)));
        assertFalse(Inode.holdsDevice(DeviceNumber.of(0, 1048576)));
    }

    /** glibc's makedev layout carries 32-bit majors and minors, and agrees with it on the bits. */
    @Test
    void deviceNumberLayoutIsGlibcs() {
        assertEquals(0x0801, DeviceNumber.of(8, 1));
        assertEquals(0x11112c70L, DeviceNumber.of(300, 70000));
        long big = DeviceNumber.of(0xffffffffL, 0xffffffffL);
        assertEquals(0xffffffffL, DeviceNumber.major(big));
        assertEquals(0xffffffffL, DeviceNumber.minor(big));
    }
}
