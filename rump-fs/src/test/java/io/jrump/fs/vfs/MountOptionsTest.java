package io.jrump.fs.vfs;

import static io.jrump.fs.FsAssert.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jrump.api.Errno;
import org.junit.jupiter.api.Test;

/** Parsing of mount's {@code data} string and of sizes. */
class MountOptionsTest {

    @Test
    void parsesPairsFlagsSizesAndModes() throws Exception {
        MountOptions o = MountOptions.parse("size=64m,ro,,mode=1777,nr_inodes=010");
        assertEquals(64L << 20, o.size("size", 0));
        assertEquals("", o.get("ro"));
        assertEquals(01777, o.octal("mode", 0));
        assertEquals(10, o.number("nr_inodes", 0), "decimal even with a leading zero");
        assertNull(o.get("absent"));
        assertEquals(7, o.number("absent", 7));
        o.rejectUnknown("size", "ro", "mode", "nr_inodes");
        assertEquals(0, MountOptions.parse(null).size("size", 0));
    }

    @Test
    void sizeSuffixes() throws Exception {
        assertEquals(4096, MountOptions.parseSize("s", "4096"));
        assertEquals(2048, MountOptions.parseSize("s", "2k"));
        assertEquals(3L << 30, MountOptions.parseSize("s", "3G"));
        assertEquals(1L << 40, MountOptions.parseSize("s", "1t"));
    }

    @Test
    void badInputIsEinval() {
        assertErrno(Errno.EINVAL, () -> MountOptions.parseSize("s", "lots"));
        assertErrno(Errno.EINVAL, () -> MountOptions.parseSize("s", "-1m"));
        assertErrno(Errno.EINVAL, () -> MountOptions.parseSize("s", "99999999999t"));
        assertErrno(Errno.EINVAL, () -> MountOptions.parseSize("s", ""));
        assertErrno(Errno.EINVAL, () -> MountOptions.parse("=1"));
        assertErrno(Errno.EINVAL, () -> MountOptions.parse("mode=9").octal("mode", 0));
        assertErrno(Errno.EINVAL, () -> MountOptions.parse("uid=-3").number("uid", 0));
        assertErrno(Errno.EINVAL, () -> MountOptions.parse("colour=red").rejectUnknown("size"));
    }
}
