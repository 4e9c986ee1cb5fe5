package io.jrump.fs.nio;

import io.jrump.api.BlockDevice;
import io.jrump.api.ErrnoException;
import java.util.List;

/**
 * Finds which file system a device holds, from its superblock. Shared by the NIO provider
 * and the {@code rump} command, so that both open the same images the same way.
 */
public final class FsTypes {
    /** Every family jrump can recognise; FAT and FFS add their probes here. */
    private static final List<TypeProbe> PROBES = List.of(new ExtProbe());
    /** What a message lists as recognisable. */
    static final String KNOWN = "ext2/ext3/ext4";

    private FsTypes() {
    }

    /**
     * The file system on {@code device}, or {@code null} when no probe recognises it.
     *
     * @throws ErrnoException when the device cannot be read
     */
    public static FsType detect(BlockDevice device) throws ErrnoException {
        for (TypeProbe p : PROBES) {
            FsType t = p.probe(device);
            if (t != null) {
                return t;
            }
        }
        return null;
    }
}
