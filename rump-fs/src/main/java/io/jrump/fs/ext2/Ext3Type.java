package io.jrump.fs.ext2;

/** "ext3": the ext2 driver; a clean journal is left untouched, one needing recovery makes the mount read-only. */
public final class Ext3Type extends Ext2Type {
    public Ext3Type() {
        super("ext3");
    }
}
