package io.jrump.fs.ext2;

/** "ext4": the ext2 driver, which reads ext4 images (extents, 64bit, flex_bg, metadata_csum, inline data) read-only. */
public final class Ext4Type extends Ext2Type {
    public Ext4Type() {
        super("ext4");
    }
}
