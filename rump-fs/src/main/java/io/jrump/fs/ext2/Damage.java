package io.jrump.fs.ext2;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;

/**
 * The errors a damaged image gives: EUCLEAN ("structure needs cleaning", as Linux's ext4
 * reports corruption) for an inconsistent structure, EIO for a checksum mismatch or a block
 * outside the device. Every message starts with "ext2:" and names the structure, so a user
 * reading {@code ext2: inode 12: block 99999 beyond end of device (8192 blocks)} knows what
 * e2fsck will have to fix. Finding damage never writes to the image.
 */
final class Damage {
    private Damage() {
    }

    static ErrnoException corrupt(String what) {
        return new ErrnoException(Errno.EUCLEAN, "ext2: " + what);
    }

    static ErrnoException io(String what) {
        return new ErrnoException(Errno.EIO, "ext2: " + what);
    }

    static ErrnoException inode(long ino, String what) {
        return corrupt("inode " + ino + ": " + what);
    }

    static ErrnoException checksum(String structure, long block, long stored, long computed) {
        return io(String.format("%s: checksum mismatch in block %d (stored 0x%08x, computed 0x%08x)",
                structure, block, stored, computed));
    }
}
