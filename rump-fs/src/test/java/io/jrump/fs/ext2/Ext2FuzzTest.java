package io.jrump.fs.ext2;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jrump.api.DirEntry;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.fs.ext2.disk.Checksums;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.GroupLayout;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.Superblock;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;

/**
 * Coverage-guided fuzzing of the ext2/ext4 reader (Jazzer): a small valid image (committed,
 * made by mke2fs/mkfs.ext4 -d) has bytes of one structure overwritten as the input says, is
 * mounted and walked (readdir, lstat, read, readlink; on ext2 also a create and an unlink).
 * On an image with metadata_csum the input may ask for the checksums to be recomputed after the
 * edits (superblock, descriptors, the first group's inodes, the root directory's first block),
 * so that mutated structures get past checksum verification into the code that parses them.
 * Every outcome must be success or an {@link ErrnoException}: any other exception, a hang
 * (Jazzer's timeout) or a runaway allocation is a finding. Plain {@code mvn test} runs the
 * committed corpus under {@code Ext2FuzzTestInputs/<method>/} as regression tests. To fuzz one
 * target (Jazzer fuzzes one per run; crashing inputs land in that directory):
 * <pre>
 * JAZZER_FUZZ=1 mvn -B -q -ntp -pl rump-fs -am test -Dtest=Ext2FuzzTest#extentBlocks \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration=3m -Djazzer.keep_going=40
 * </pre>
 */
class Ext2FuzzTest {
    private static final byte[] EXT2 = load("fuzz-base-ext2.img.gz");
    private static final byte[] EXT4 = load("fuzz-base-ext4.img.gz");
    /**
     * ext4 without metadata_csum (so a mutated node is parsed, not refused by its checksum):
     * {@code /frag} has a depth-1 extent tree (24 extents, one leaf block), {@code /deep} a
     * depth-2 tree (400 extents: an index block over five leaf blocks).
     */
    private static final byte[] EXTENTS = load("fuzz-base-extents.img.gz");
    /** The non-root extent nodes (index and leaf blocks) of {@link #EXTENTS}. */
    private static final java.util.List<Long> EXTENT_BLOCKS = extentBlocks(EXTENTS);
    /** Most directory entries the walk visits, so a huge (valid) directory cannot stall a run. */
    private static final int WALK_BUDGET = 300;
    /** Where {@code s_checksum} lies in the superblock. */
    private static final int SB_CHECKSUM = 0x3FC;

    private static byte[] load(String name) {
        try (InputStream in = new GZIPInputStream(Ext2FuzzTest.class.getResourceAsStream(name))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A byte range of the image: [from, to). */
    private record Range(int from, int to) {
    }

    @FuzzTest(maxDuration = "30s")
    void superblock(FuzzedDataProvider data) throws Exception {
        run(data, (img, ext4) -> new Range(Superblock.OFFSET, Superblock.OFFSET + 0x180));
    }

    @FuzzTest(maxDuration = "30s")
    void groupDescriptors(FuzzedDataProvider data) throws Exception {
        run(data, (img, ext4) -> {
            Superblock sb = sb(img);
            int at = (int) (GroupLayout.descriptorBlock(sb, 0) * sb.blockSize());
            return new Range(at, at + sb.descSize() * (int) sb.groupCount());
        });
    }

    @FuzzTest(maxDuration = "30s")
    void inodes(FuzzedDataProvider data) throws Exception {
        run(data, (img, ext4) -> {
            int at = inodeOffset(img, 1);
            return new Range(at, at + 16 * sb(img).inodeSize());
        });
    }

    /** The extent roots in the inodes' i_block (ext4 image). */
    @FuzzTest(maxDuration = "30s")
    void extentTrees(FuzzedDataProvider data) throws Exception {
        run(data, (img, ext4) -> {
            int at = inodeOffset(img, 12);
            return new Range(at, at + 8 * sb(img).inodeSize());
        }, true);
    }

    /** The extent blocks below the roots: index and leaf nodes of depth-1 and depth-2 trees. */
    @FuzzTest(maxDuration = "30s")
    void extentBlocks(FuzzedDataProvider data) throws Exception {
        long block = EXTENT_BLOCKS.get(data.consumeInt(0, EXTENT_BLOCKS.size() - 1));
        run(data, EXTENTS, (img, ext4) -> {
            int bs = sb(img).blockSize();
            return new Range((int) (block * bs), (int) ((block + 1) * bs));
        }, true);
    }

    @FuzzTest(maxDuration = "30s")
    void directoryBlocks(FuzzedDataProvider data) throws Exception {
        run(data, (img, ext4) -> {
            Superblock sb = sb(img);
            ByteBuffer b = ByteBuffer.wrap(img);
            Inode root = new Inode(b, inodeOffset(img, Inode.ROOT_INO), sb.inodeSize());
            long block = ext4 ? new io.jrump.fs.ext2.disk.ExtentNode(b, root.blockArrayOffset(), 60).startBlock(0) : root.block(0);
            int at = (int) (block * sb.blockSize());
            return new Range(at, at + sb.blockSize());
        });
    }

    /** The re-signing recomputes exactly what mkfs.ext4 wrote: on the intact image it changes nothing. */
    @org.junit.jupiter.api.Test
    void resigningTheIntactImageChangesNothing() {
        byte[] img = EXT4.clone();
        java.util.Arrays.fill(img, Superblock.OFFSET + SB_CHECKSUM, Superblock.OFFSET + SB_CHECKSUM + 4, (byte) 0);
        int rootAt = inodeOffset(img, Inode.ROOT_INO);
        img[rootAt + Inode.CHECKSUM_LO] ^= 1;
        resign(img);
        org.junit.jupiter.api.Assertions.assertArrayEquals(EXT4, img);
    }

    private interface Target {
        Range range(byte[] image, boolean ext4);
    }

    private static Superblock sb(byte[] img) {
        return new Superblock(ByteBuffer.wrap(img), Superblock.OFFSET);
    }

    private static int inodeOffset(byte[] img, long ino) {
        Superblock sb = sb(img);
        int at = (int) (GroupLayout.descriptorBlock(sb, 0) * sb.blockSize());
        GroupDescriptor gd = new GroupDescriptor(ByteBuffer.wrap(img), at, sb.descSize());
        return (int) (gd.inodeTable() * sb.blockSize() + (ino - 1) * sb.inodeSize());
    }

    private void run(FuzzedDataProvider data, Target target) throws Exception {
        run(data, target, data.consumeBoolean());
    }

    private void run(FuzzedDataProvider data, Target target, boolean ext4) throws Exception {
        run(data, ext4 ? EXT4 : EXT2, target, ext4);
    }

    /** Every index and leaf block under the extent roots of inodes 12 to 20, walked from each root. */
    private static java.util.List<Long> extentBlocks(byte[] img) {
        Superblock sb = sb(img);
        ByteBuffer b = ByteBuffer.wrap(img);
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (long ino = 12; ino <= 20; ino++) {
            Inode in = new Inode(b, inodeOffset(img, ino), sb.inodeSize());
            if (in.mode() != 0 && (in.flags() & Inode.EXTENTS_FL) != 0) {
                collect(b, new io.jrump.fs.ext2.disk.ExtentNode(b, in.blockArrayOffset(), Inode.I_BLOCK_BYTES), sb.blockSize(), out);
            }
        }
        if (out.size() < 6) {
            throw new IllegalStateException("fuzz-base-extents.img: expected a depth-1 and a depth-2 tree, found extent blocks " + out);
        }
        return java.util.List.copyOf(out);
    }

    private static void collect(ByteBuffer b, io.jrump.fs.ext2.disk.ExtentNode node, int bs, java.util.List<Long> out) {
        if (node.depth() == 0) {
            return;
        }
        for (int i = 0; i < node.entries(); i++) {
            long child = node.childBlock(i);
            out.add(child);
            collect(b, new io.jrump.fs.ext2.disk.ExtentNode(b, (int) (child * bs), bs), bs, out);
        }
    }

    private void run(FuzzedDataProvider data, byte[] base, Target target, boolean ext4) throws Exception {
        byte[] img = base.clone();
        Range r = target.range(img, ext4);
        int edits = data.consumeInt(1, 24);
        for (int i = 0; i < edits && data.remainingBytes() > 0; i++) {
            int off = data.consumeInt(r.from(), Math.max(r.from(), Math.min(img.length, r.to()) - 1));
            img[off] = data.consumeByte();
        }
        if (data.consumeBoolean()) {
            resign(img);
        }
        MemoryBlockDevice dev = new MemoryBlockDevice(img.length);
        dev.write(0, ByteBuffer.wrap(img));
        try (RumpKernel k = Rump.builder().device("disk0", dev).boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/mnt", 0755);
            boolean readOnly = ext4 || data.consumeBoolean();
            try {
                sys.mount("disk0", "/mnt", "ext2", readOnly ? MountFlags.MNT_RDONLY : 0, null);
            } catch (ErrnoException e) {
                return;
            }
            walk(sys, "/mnt", new int[] {WALK_BUDGET}, 0);
            if (!readOnly) {
                try {
                    int fd = sys.open("/mnt/new", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644);
                    sys.write(fd, ByteBuffer.wrap(new byte[3000]));
                    sys.close(fd);
                    sys.unlink("/mnt/new");
                    sys.unlink("/mnt/f");
                } catch (ErrnoException expected) {
                    // damage found while writing: an error is the right answer
                }
            }
        }
    }

    /**
     * Recomputes the metadata_csum checksums the fuzzed structures carry. Harness code, not the
     * driver under test: on an image so damaged that the checksums cannot be placed (a mutated
     * superblock saying where things are), it leaves the rest as it is.
     */
    private static void resign(byte[] img) {
        ByteBuffer b = ByteBuffer.wrap(img).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        Superblock sb = sb(img);
        if (!sb.has(io.jrump.fs.ext2.disk.Feature.METADATA_CSUM)) {
            return;
        }
        try {
            int seed = Checksums.fsSeed(sb);
            int gdAt = (int) (GroupLayout.descriptorBlock(sb, 0) * sb.blockSize());
            for (int g = 0; g < sb.groupCount() && g < 64; g++) {
                GroupDescriptor gd = new GroupDescriptor(b, gdAt + g * sb.descSize(), sb.descSize());
                gd.setChecksum(Checksums.groupDescriptor(seed, g, gd, sb.descSize()));
            }
            for (long ino = 1; ino <= sb.inodesPerGroup() && ino <= 64; ino++) {
                int at = inodeOffset(img, ino);
                Inode in = new Inode(b, at, sb.inodeSize());
                if (in.mode() == 0 && in.linksCount() == 0 && in.checksum() == 0) {
                    continue; // never used: mkfs leaves it unsigned, and nothing reads it
                }
                long c = Checksums.inode(Checksums.inodeSeed(seed, ino, in.generation()), in);
                b.putShort(at + Inode.CHECKSUM_LO, (short) c);
                if (in.hasChecksumHi()) {
                    b.putShort(at + Inode.CHECKSUM_HI, (short) (c >>> 16));
                }
            }
            Inode root = new Inode(b, inodeOffset(img, Inode.ROOT_INO), sb.inodeSize());
            if ((root.flags() & Inode.EXTENTS_FL) != 0) {
                int bs = sb.blockSize();
                int at = (int) (new io.jrump.fs.ext2.disk.ExtentNode(b, root.blockArrayOffset(), Inode.I_BLOCK_BYTES).startBlock(0) * bs);
                ByteBuffer block = ByteBuffer.wrap(img, at, bs).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
                long c = Checksums.dirBlock(Checksums.inodeSeed(seed, Inode.ROOT_INO, root.generation()), block, bs);
                b.putInt(at + bs - 4, (int) c);
            }
            b.putInt(Superblock.OFFSET + SB_CHECKSUM, Checksums.superblock(sb));
        } catch (RuntimeException cannotPlace) {
            // the superblock points outside the image: nothing more to sign
        }
    }

    private static void walk(Syscalls sys, String dir, int[] budget, int depth) {
        if (depth > 8) {
            return;
        }
        java.util.List<DirEntry> entries;
        try {
            entries = sys.readdir(dir);
        } catch (ErrnoException e) {
            return;
        }
        for (DirEntry e : entries) {
            if (--budget[0] < 0) {
                return;
            }
            if (e.name().equals(".") || e.name().equals("..") || e.name().indexOf('/') >= 0 || e.name().isEmpty()) {
                continue;
            }
            String p = dir + "/" + e.name();
            try {
                Stat st = sys.lstat(p);
                if (st.isDirectory()) {
                    walk(sys, p, budget, depth + 1);
                } else if (st.isSymlink()) {
                    sys.readlink(p);
                } else if (st.isRegularFile()) {
                    int fd = sys.open(p, OpenFlags.O_RDONLY);
                    try {
                        sys.pread(fd, ByteBuffer.allocate(65536), 0);
                        for (int q = 1; q <= 3; q++) {
                            // every leaf of a deep extent tree is reached by some read
                            sys.pread(fd, ByteBuffer.allocate(4096), st.size() / 4 * q);
                        }
                        sys.pread(fd, ByteBuffer.allocate(4096), Math.max(0, st.size() - 100));
                    } finally {
                        sys.close(fd);
                    }
                }
            } catch (ErrnoException ignored) {
                // a damaged entry: an error is the right answer
            }
        }
    }
}
