package io.jrump.fs.ext2.disk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** ext4's stored ACL form to the form getxattr returns, with the bytes Linux wrote for {@code user::rw-,user:1000:r--,group::r--,mask::r--,other::r--}. */
class PosixAclTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void theStoredFormBecomesTheCallsForm() {
        byte[] disk = HEX.parseHex("01000000" + "01000600" + "02000400e8030000" + "04000400" + "10000400" + "20000400");
        byte[] xattr = HEX.parseHex("02000000" + "01000600ffffffff" + "02000400e8030000" + "04000400ffffffff"
                + "10000400ffffffff" + "20000400ffffffff");
        assertArrayEquals(xattr, PosixAcl.toXattr(disk));
    }

    @Test
    void malformedAclsAreRefused() {
        assertNull(PosixAcl.toXattr(HEX.parseHex("02000000")), "wrong version");
        assertNull(PosixAcl.toXattr(HEX.parseHex("0100000002000400e803")), "a named entry cut short");
        assertNull(PosixAcl.toXattr(HEX.parseHex("0100000040000400")), "an unknown tag");
        assertNull(PosixAcl.toXattr(new byte[2]), "no header");
    }
}
