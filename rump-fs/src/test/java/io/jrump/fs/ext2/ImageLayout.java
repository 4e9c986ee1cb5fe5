package io.jrump.fs.ext2;

import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.GroupLayout;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.Superblock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where things are in an intact ext2 image (indirect block maps only): each group's metadata
 * blocks, and for the files a test names their inode and every block their map uses. The
 * mutation campaign aims its damage with it. Inode numbers come from a read-only jrump mount;
 * the rest is read from the bytes with the driver's on-disk views.
 */
final class ImageLayout {
    /** A metadata block with what it is, for messages ("inode table of group 0 +3"). */
    record Labelled(String what, long block) {
        @Override
        public String toString() {
            return block + " (" + what + ")";
        }
    }

    /** One group's fixed metadata. */
    record Group(int number, long start, long end, long blockBitmap, long inodeBitmap, long inodeTable, long inodeTableBlocks,
            boolean hasSuperblock) {
    }

    /** A file's map: the data blocks in file order, the indirect blocks, the inode. */
    record FileMap(String path, long ino, List<Long> data, long ind, long dind, List<Long> indUnderDind) {
        List<Long> allBlocks() {
            List<Long> all = new ArrayList<>(data);
            if (ind != 0) {
                all.add(ind);
            }
            if (dind != 0) {
                all.add(dind);
            }
            all.addAll(indUnderDind);
            return all;
        }
    }

    final byte[] image;
    final Superblock sb;
    final int blockSize;
    final List<Group> groups = new ArrayList<>();
    final Map<String, FileMap> files = new LinkedHashMap<>();

    private ImageLayout(byte[] image) {
        this.image = image;
        this.sb = new Superblock(ByteBuffer.wrap(image), Superblock.OFFSET);
        this.blockSize = sb.blockSize();
        long itableBlocks = (sb.inodesPerGroup() * sb.inodeSize() + blockSize - 1) / blockSize;
        for (int g = 0; g < sb.groupCount(); g++) {
            GroupDescriptor gd = descriptor(image, sb, g);
            long start = GroupLayout.groupStart(sb, g);
            groups.add(new Group(g, start, start + GroupLayout.blocksInGroup(sb, g) - 1, gd.blockBitmap(), gd.inodeBitmap(),
                    gd.inodeTable(), itableBlocks, GroupLayout.hasSuperblock(sb, g)));
        }
    }

    /** Reads the layout of {@code image}, and the maps of {@code paths} (files, directories, symlinks). */
    static ImageLayout read(byte[] image, List<String> paths) throws IOException {
        ImageLayout l = new ImageLayout(image);
        MemoryBlockDevice dev = new MemoryBlockDevice(image.length);
        dev.write(0, ByteBuffer.wrap(image));
        try (RumpKernel k = Rump.builder().device("disk0", dev).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            sys.mount("disk0", "/mnt", "ext2", MountFlags.MNT_RDONLY, null);
            for (String p : paths) {
                l.files.put(p, l.map(p, sys.lstat("/mnt" + p).ino()));
            }
        }
        return l;
    }

    static GroupDescriptor descriptor(byte[] image, Superblock sb, int group) {
        int at = (int) (GroupLayout.descriptorBlock(sb, 0) * sb.blockSize()) + group * sb.descSize();
        return new GroupDescriptor(ByteBuffer.wrap(image), at, sb.descSize());
    }

    GroupDescriptor descriptor(byte[] img, int group) {
        return descriptor(img, sb, group);
    }

    int inodeOffset(long ino) {
        Group g = groups.get((int) ((ino - 1) / sb.inodesPerGroup()));
        return (int) (g.inodeTable() * blockSize + (ino - 1) % sb.inodesPerGroup() * sb.inodeSize());
    }

    Inode inode(byte[] img, long ino) {
        return new Inode(ByteBuffer.wrap(img), inodeOffset(ino), sb.inodeSize());
    }

    long u32(long block, int index) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt((int) (block * blockSize + index * 4L)) & 0xFFFFFFFFL;
    }

    private FileMap map(String path, long ino) {
        Inode in = inode(image, ino);
        List<Long> data = new ArrayList<>();
        boolean fastSymlink = (in.mode() & 0xF000) == 0xA000 && in.rawBlocks() == 0;
        if (fastSymlink) {
            return new FileMap(path, ino, data, 0, 0, List.of());
        }
        for (int i = 0; i < Inode.NDIR_BLOCKS; i++) {
            if (in.block(i) != 0) {
                data.add(in.block(i));
            }
        }
        long ind = in.block(Inode.IND_BLOCK);
        addIndirect(ind, data);
        long dind = in.block(Inode.DIND_BLOCK);
        List<Long> under = new ArrayList<>();
        if (dind != 0) {
            for (int i = 0; i < blockSize / 4; i++) {
                long b = u32(dind, i);
                if (b != 0) {
                    under.add(b);
                    addIndirect(b, data);
                }
            }
        }
        return new FileMap(path, ino, data, ind, dind, under);
    }

    private void addIndirect(long block, List<Long> data) {
        if (block == 0) {
            return;
        }
        for (int i = 0; i < blockSize / 4; i++) {
            long b = u32(block, i);
            if (b != 0) {
                data.add(b);
            }
        }
    }

    /**
     * Every block the file system's own structures use, labelled: superblock and descriptor
     * copies, reserved descriptor blocks, bitmaps, inode tables.
     */
    List<Labelled> metadata() {
        List<Labelled> out = new ArrayList<>();
        long gdtBlocks = GroupLayout.descriptorBlocks(sb) + sb.reservedGdtBlocks();
        for (Group g : groups) {
            if (g.hasSuperblock()) {
                long sbBlock = g.number() == 0 ? Superblock.OFFSET / blockSize : g.start();
                out.add(new Labelled("superblock of group " + g.number(), sbBlock));
                for (long b = 0; b < gdtBlocks; b++) {
                    out.add(new Labelled("descriptor table of group " + g.number() + " +" + b, sbBlock + 1 + b));
                }
            }
            out.add(new Labelled("block bitmap of group " + g.number(), g.blockBitmap()));
            out.add(new Labelled("inode bitmap of group " + g.number(), g.inodeBitmap()));
            for (long b = 0; b < g.inodeTableBlocks(); b++) {
                out.add(new Labelled("inode table of group " + g.number() + " +" + b, g.inodeTable() + b));
            }
        }
        return out;
    }

    /** Inodes in use (the bitmap of the intact image). */
    List<Long> usedInodes() {
        List<Long> out = new ArrayList<>();
        for (Group g : groups) {
            for (long i = 0; i < sb.inodesPerGroup(); i++) {
                if (bit(g.inodeBitmap(), i)) {
                    out.add(g.number() * sb.inodesPerGroup() + i + 1);
                }
            }
        }
        return out;
    }

    boolean bit(long bitmapBlock, long index) {
        return (image[(int) (bitmapBlock * blockSize + index / 8)] >> (index % 8) & 1) != 0;
    }

    /** Free blocks of the intact image, in order. */
    List<Long> freeBlocks() {
        List<Long> out = new ArrayList<>();
        for (Group g : groups) {
            for (long b = g.start(); b <= g.end(); b++) {
                if (!bit(g.blockBitmap(), b - g.start())) {
                    out.add(b);
                }
            }
        }
        return out;
    }
}
