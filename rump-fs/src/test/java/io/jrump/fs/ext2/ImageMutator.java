package io.jrump.fs.ext2;

import io.jrump.fs.ext2.disk.DirRecord;
import io.jrump.fs.ext2.disk.GroupDescriptor;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.ext2.disk.Superblock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Damage aimed at one structure of an intact ext2 image, chosen by a seeded {@link Random} so
 * that a case is reproduced by its seed alone: the superblock's less critical fields, group
 * descriptors, block and inode bitmaps, inodes, indirect blocks and directory blocks. Each
 * mutation says exactly what it changed, from what to what. The issue's own repros are here
 * by name ({@link #repro}).
 */
final class ImageMutator {
    /** The structure a mutation damages: the campaign's classes. */
    enum Kind { SUPERBLOCK, DESCRIPTOR, BLOCK_BITMAP, INODE_BITMAP, INODE_TABLE, INDIRECT, DIRECTORY }

    record Mutation(Kind kind, String description) {
    }

    /** The issue's repros, by the debugfs command (or action) that makes them. */
    static final List<String> REPROS = List.of("sif /small.txt block[0] <inode table>", "set_bg 0 block_bitmap <inode table>",
            "zero block bitmap of group 0", "zero inode bitmap of group 0");

    private final ImageLayout l;
    private final byte[] img;
    private final Random rnd;
    private final ByteBuffer le;

    private ImageMutator(ImageLayout layout, byte[] image, Random rnd) {
        this.l = layout;
        this.img = image;
        this.rnd = rnd;
        this.le = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Damages {@code image} (a copy of the layout's image) in the structure {@code kind}. */
    static Mutation mutate(ImageLayout layout, byte[] image, Kind kind, long seed) {
        ImageMutator m = new ImageMutator(layout, image, new Random(seed));
        String what = switch (kind) {
            case SUPERBLOCK -> m.superblock();
            case DESCRIPTOR -> m.descriptor();
            case BLOCK_BITMAP -> m.blockBitmap();
            case INODE_BITMAP -> m.inodeBitmap();
            case INODE_TABLE -> m.inodeTable();
            case INDIRECT -> m.indirect();
            case DIRECTORY -> m.directory();
        };
        return new Mutation(kind, what);
    }

    /** One of {@link #REPROS}, exactly as the issue gives it (the inode table's first block is 36 at 1 KiB, 8 MiB). */
    static Mutation repro(ImageLayout layout, byte[] image, String name) {
        ImageMutator m = new ImageMutator(layout, image, new Random(0));
        long itable = layout.groups.get(0).inodeTable();
        return switch (REPROS.indexOf(name)) {
            case 0 -> new Mutation(Kind.INODE_TABLE, m.setBlockPointer(layout.files.get("/small.txt"), 0, itable, "inode table of group 0"));
            case 1 -> new Mutation(Kind.DESCRIPTOR, m.setDescriptorField(0, "block_bitmap", itable));
            case 2 -> new Mutation(Kind.BLOCK_BITMAP, m.fill(layout.groups.get(0).blockBitmap(), 0, "block bitmap of group 0"));
            case 3 -> new Mutation(Kind.INODE_BITMAP, m.fill(layout.groups.get(0).inodeBitmap(), 0, "inode bitmap of group 0"));
            default -> throw new IllegalArgumentException(name);
        };
    }

    private <T> T pick(List<T> list) {
        return list.get(rnd.nextInt(list.size()));
    }

    private long blockAt(long block) {
        return block * l.blockSize;
    }

    private String flipBytes(long from, int length, String what) {
        int n = 1 + rnd.nextInt(6);
        StringBuilder b = new StringBuilder("flip bytes of " + what + ":");
        for (int i = 0; i < n; i++) {
            int at = (int) (from + rnd.nextInt(length));
            int old = img[at] & 0xFF;
            img[at] = (byte) (old ^ (1 + rnd.nextInt(255)));
            b.append(String.format(" [+%d] %02x->%02x", at - from, old, img[at] & 0xFF));
        }
        return b.toString();
    }

    private String fill(long block, int value, String what) {
        java.util.Arrays.fill(img, (int) blockAt(block), (int) blockAt(block + 1), (byte) value);
        return (value == 0 ? "zero " : "fill 0x" + Integer.toHexString(value) + " ") + what + " (block " + block + ")";
    }

    // ---- superblock: the fields a driver reads or rewrites but that do not place structures

    private String superblock() {
        int sb = Superblock.OFFSET;
        long blocks = l.sb.blocksCount();
        long inodes = l.sb.inodesCount();
        record Field(String name, int at, int width, long[] values) {
        }
        List<Field> fields = List.of(
                new Field("s_free_blocks_count", 0x0C, 4, new long[] {0, 1, blocks, blocks + 1000, 0xFFFFFFFFL, rnd.nextInt((int) blocks)}),
                new Field("s_free_inodes_count", 0x10, 4, new long[] {0, 1, inodes, inodes + 50, 0xFFFFFFFFL}),
                new Field("s_r_blocks_count", 0x08, 4, new long[] {0, blocks - 1, blocks, blocks * 2}),
                new Field("s_mnt_count", 0x34, 2, new long[] {0, 0x7FFF, 0xFFFF}),
                new Field("s_max_mnt_count", 0x36, 2, new long[] {0, 1, 0x8000}),
                new Field("s_state", 0x3A, 2, new long[] {0, 2, 3, 0xFFFF}),
                new Field("s_errors", 0x3C, 2, new long[] {0, 1, 2, 3, 99}),
                new Field("s_wtime", 0x30, 4, new long[] {0, 0xFFFFFFFFL, 4_000_000_000L}),
                new Field("s_mtime", 0x2C, 4, new long[] {0, 0xFFFFFFFFL}),
                new Field("s_lastcheck", 0x40, 4, new long[] {0, 0xFFFFFFFFL, 4_000_000_000L}),
                new Field("s_checkinterval", 0x44, 4, new long[] {1, 0xFFFFFFFFL}),
                new Field("s_creator_os", 0x48, 4, new long[] {1, 4, 99}),
                new Field("s_def_resuid", 0x50, 2, new long[] {1000, 0xFFFF}),
                new Field("s_def_resgid", 0x52, 2, new long[] {1000, 0xFFFF}),
                new Field("s_def_hash_version", 0xFC, 1, new long[] {1, 2, 6, 0xFF}),
                new Field("s_default_mount_opts", 0x100, 4, new long[] {0xFFFFFFFFL, 0x0C}),
                new Field("s_mkfs_time", 0x108, 4, new long[] {0, 0xFFFFFFFFL}),
                new Field("s_kbytes_written", 0x178, 4, new long[] {0, 0xFFFFFFFFL}));
        int choice = rnd.nextInt(fields.size() + 2);
        if (choice == fields.size()) {
            return flipBytes(sb + 0x68, 0x88 - 0x68 + 64, "superblock uuid/volume name/last mounted");
        }
        if (choice == fields.size() + 1) {
            return flipBytes(sb + 0x200, 0x3FC - 0x200, "superblock reserved tail");
        }
        Field f = fields.get(choice);
        long v = f.values()[rnd.nextInt(f.values().length)];
        long old = get(sb + f.at(), f.width());
        put(sb + f.at(), f.width(), v);
        return "superblock " + f.name() + " " + old + " -> " + v;
    }

    private long get(int at, int width) {
        return switch (width) {
            case 1 -> le.get(at) & 0xFF;
            case 2 -> le.getShort(at) & 0xFFFF;
            default -> le.getInt(at) & 0xFFFFFFFFL;
        };
    }

    private void put(int at, int width, long v) {
        switch (width) {
            case 1 -> le.put(at, (byte) v);
            case 2 -> le.putShort(at, (short) v);
            default -> le.putInt(at, (int) v);
        }
    }

    // ---- group descriptors

    /** A block somewhere it must not be used: metadata, past the end, or another file's. */
    private ImageLayout.Labelled badTarget(long notOf) {
        List<ImageLayout.Labelled> meta = l.metadata();
        switch (rnd.nextInt(6)) {
            case 0, 1:
                return pick(meta);
            case 2: {
                ImageLayout.Group g = pick(l.groups);
                return new ImageLayout.Labelled("inode table of group " + g.number() + " +0", g.inodeTable());
            }
            case 3: {
                long past = l.sb.blocksCount() + rnd.nextInt(1000);
                return new ImageLayout.Labelled(rnd.nextBoolean() ? "past the end" : "past the end, huge", rnd.nextBoolean() ? past : 0xFFFFFFF0L + rnd.nextInt(16));
            }
            default: {
                List<ImageLayout.FileMap> others = new ArrayList<>();
                for (ImageLayout.FileMap f : l.files.values()) {
                    if (f.ino() != notOf && !f.allBlocks().isEmpty()) {
                        others.add(f);
                    }
                }
                ImageLayout.FileMap f = pick(others);
                return new ImageLayout.Labelled("a block of " + f.path(), pick(f.allBlocks()));
            }
        }
    }

    private String setDescriptorField(int group, String field, long value) {
        GroupDescriptor gd = l.descriptor(img, group);
        long old = switch (field) {
            case "block_bitmap" -> gd.blockBitmap();
            case "inode_bitmap" -> gd.inodeBitmap();
            case "inode_table" -> gd.inodeTable();
            case "free_blocks_count" -> gd.freeBlocks();
            case "free_inodes_count" -> gd.freeInodes();
            default -> gd.usedDirs();
        };
        switch (field) {
            case "block_bitmap" -> gd.setBlockBitmap(value);
            case "inode_bitmap" -> gd.setInodeBitmap(value);
            case "inode_table" -> gd.setInodeTable(value);
            case "free_blocks_count" -> gd.setFreeBlocks(value);
            case "free_inodes_count" -> gd.setFreeInodes(value);
            default -> gd.setUsedDirs(value);
        }
        return "group " + group + " descriptor " + field + " " + old + " -> " + value;
    }

    private String descriptor() {
        int g = rnd.nextInt(l.groups.size());
        ImageLayout.Group grp = l.groups.get(g);
        int choice = rnd.nextInt(8);
        switch (choice) {
            case 0, 1, 2: {
                String field = List.of("block_bitmap", "inode_bitmap", "inode_table").get(choice);
                ImageLayout.Labelled t = rnd.nextInt(3) == 0
                        ? new ImageLayout.Labelled("inode table +" + 1, grp.inodeTable() + 1) : badTarget(-1);
                return setDescriptorField(g, field, t.block()) + " (" + t.what() + ")";
            }
            case 3:
                return setDescriptorField(g, "free_blocks_count", pick(List.of(0L, 1L, 7L, 0xFFFFL, (long) rnd.nextInt(0x10000))));
            case 4:
                return setDescriptorField(g, "free_inodes_count", pick(List.of(0L, 1L, 0xFFFFL, (long) rnd.nextInt(0x10000))));
            case 5:
                return setDescriptorField(g, "used_dirs_count", pick(List.of(0L, 0xFFFFL, (long) rnd.nextInt(100))));
            default:
                return flipBytes(l.descriptor(img, g).offset(), 32, "group " + g + " descriptor");
        }
    }

    // ---- bitmaps

    private String setBits(long bitmapBlock, long first, List<Long> items, boolean value, String what) {
        int n = Math.min(items.size(), 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 40));
        List<Long> chosen = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long item = pick(items);
            long bit = item - first;
            int at = (int) (blockAt(bitmapBlock) + bit / 8);
            img[at] = (byte) (value ? img[at] | 1 << (bit % 8) : img[at] & ~(1 << (bit % 8)));
            chosen.add(item);
        }
        return (value ? "set" : "clear") + " bits of " + what + " " + chosen.stream().distinct().sorted().toList();
    }

    private String blockBitmap() {
        ImageLayout.Group g = pick(l.groups);
        String name = "block bitmap of group " + g.number();
        List<Long> meta = new ArrayList<>();
        for (ImageLayout.Labelled m : l.metadata()) {
            if (m.block() >= g.start() && m.block() <= g.end()) {
                meta.add(m.block());
            }
        }
        List<Long> data = new ArrayList<>();
        for (ImageLayout.FileMap f : l.files.values()) {
            for (long b : f.allBlocks()) {
                if (b >= g.start() && b <= g.end()) {
                    data.add(b);
                }
            }
        }
        List<Long> free = l.freeBlocks().stream().filter(b -> b >= g.start() && b <= g.end()).toList();
        List<Long> all = new ArrayList<>();
        for (long b = g.start(); b <= g.end(); b++) {
            all.add(b);
        }
        return switch (rnd.nextInt(7)) {
            case 0 -> fill(g.blockBitmap(), 0, name);
            case 1 -> fill(g.blockBitmap(), 0xFF, name);
            case 2 -> setBits(g.blockBitmap(), g.start(), meta, false, name + ", metadata");
            case 3 -> setBits(g.blockBitmap(), g.start(), data.isEmpty() ? meta : data, false, name + ", file blocks");
            case 4 -> setBits(g.blockBitmap(), g.start(), free.isEmpty() ? all : free, true, name + ", free blocks");
            case 5 -> setBits(g.blockBitmap(), g.start(), all, rnd.nextBoolean(), name + ", any blocks");
            default -> flipBytes(blockAt(g.blockBitmap()), (int) ((g.end() - g.start() + 8) / 8), name);
        };
    }

    private String inodeBitmap() {
        ImageLayout.Group g = pick(l.groups);
        String name = "inode bitmap of group " + g.number();
        long first = g.number() * l.sb.inodesPerGroup() + 1;
        long last = first + l.sb.inodesPerGroup() - 1;
        List<Long> used = l.usedInodes().stream().filter(i -> i >= first && i <= last).toList();
        List<Long> all = new ArrayList<>();
        for (long i = first; i <= last; i++) {
            all.add(i);
        }
        List<Long> reserved = all.stream().filter(i -> i < l.sb.firstIno()).toList();
        return switch (rnd.nextInt(7)) {
            case 0 -> fill(g.inodeBitmap(), 0, name);
            case 1 -> fill(g.inodeBitmap(), 0xFF, name);
            case 2 -> setBits(g.inodeBitmap(), first, used.isEmpty() ? all : used, false, name + ", inodes in use");
            case 3 -> setBits(g.inodeBitmap(), first, reserved.isEmpty() ? all : reserved, false, name + ", reserved inodes");
            case 4 -> setBits(g.inodeBitmap(), first, all, true, name + ", any inodes");
            case 5 -> setBits(g.inodeBitmap(), first, all, false, name + ", any inodes");
            default -> flipBytes(blockAt(g.inodeBitmap()), (int) (l.sb.inodesPerGroup() / 8), name);
        };
    }

    // ---- inodes

    private String setBlockPointer(ImageLayout.FileMap f, int index, long value, String what) {
        Inode in = l.inode(img, f.ino());
        long old = in.block(index);
        in.setBlock(index, value);
        return f.path() + " (inode " + f.ino() + ") block[" + index + "] " + old + " -> " + value + " (" + what + ")";
    }

    private String inodeTable() {
        List<ImageLayout.FileMap> files = new ArrayList<>(l.files.values());
        ImageLayout.FileMap f = pick(files);
        Inode in = l.inode(img, f.ino());
        String name = f.path() + " (inode " + f.ino() + ")";
        switch (rnd.nextInt(12)) {
            case 0, 1, 2: {
                int slots = 0;
                while (slots < Inode.N_BLOCKS && in.block(slots) != 0) {
                    slots++;
                }
                int index = slots == 0 ? 0 : rnd.nextInt(slots);
                ImageLayout.Labelled t = badTarget(f.ino());
                return setBlockPointer(f, index, t.block(), t.what());
            }
            case 3: {
                long old = in.fileSize();
                long v = pick(List.of(0L, 1L, old / 3, old * 5 + 10_000, 1L << 40, 0xFFFFFFFFL));
                in.setFileSize(v);
                return name + " i_size " + old + " -> " + v;
            }
            case 4: {
                int old = in.linksCount();
                int v = pick(List.of(0, 1, 2, 100, 0xFFFF));
                in.setLinksCount(v);
                return name + " i_links_count " + old + " -> " + v;
            }
            case 5: {
                int old = in.mode();
                int v = pick(List.of(0, 0x41ED, 0x81A4, 0xA1FF, 0x21B6, 0xF1FF, old ^ 0xF000));
                in.setMode(v);
                return name + " i_mode " + Integer.toOctalString(old) + " -> " + Integer.toOctalString(v);
            }
            case 6: {
                long v = pick(List.of(1L, 0x7FFFFFFFL));
                in.setDtime(v);
                return name + " i_dtime 0 -> " + v;
            }
            case 7: {
                long old = in.rawBlocks();
                long v = pick(List.of(0L, 1L, old * 3 + 8, 0xFFFFFFFFL));
                in.setRawBlocks(v);
                return name + " i_blocks " + old + " -> " + v;
            }
            case 8: {
                long old = in.flags();
                long v = old | pick(List.of((long) Inode.IMMUTABLE_FL, (long) Inode.APPEND_FL, (long) Inode.INDEX_FL,
                        (long) Inode.EXTENTS_FL, (long) Inode.INLINE_DATA_FL, 0x4000L));
                in.setFlags(v);
                return name + " i_flags 0x" + Long.toHexString(old) + " -> 0x" + Long.toHexString(v);
            }
            case 9: {
                long ino = pick(List.of(1L, 5L, 7L, (long) Inode.ROOT_INO));
                return flipBytes(l.inodeOffset(ino), l.sb.inodeSize(), "inode " + ino);
            }
            case 10: {
                long ino = l.usedInodes().get(l.usedInodes().size() - 1) + 1 + rnd.nextInt(3);
                Inode free = l.inode(img, ino);
                free.setMode(0x81A4);
                free.setLinksCount(1);
                ImageLayout.FileMap other = l.files.get("/data-4096");
                free.setBlock(0, other.data().get(0));
                free.setFileSize(l.blockSize);
                free.setRawBlocks(l.blockSize / 512);
                return "free inode " + ino + " made live (regular, 1 link, block[0] = " + other.data().get(0) + " of /data-4096), its bitmap bit left clear";
            }
            default:
                return flipBytes(l.inodeOffset(f.ino()), l.sb.inodeSize(), name);
        }
    }

    private String indirect() {
        List<ImageLayout.FileMap> withInd = l.files.values().stream().filter(f -> f.ind() != 0).toList();
        ImageLayout.FileMap f = pick(withInd);
        boolean dind = f.dind() != 0 && rnd.nextInt(3) == 0;
        long block = dind ? f.dind() : (rnd.nextBoolean() || f.indUnderDind().isEmpty() ? f.ind() : pick(f.indUnderDind()));
        String name = f.path() + " (inode " + f.ino() + ") " + (dind ? "double-indirect" : "indirect") + " block " + block;
        int used = 0;
        while (used < l.blockSize / 4 && l.u32(block, used) != 0) {
            used++;
        }
        int index = rnd.nextInt(Math.max(1, used));
        int at = (int) (blockAt(block) + index * 4L);
        long old = le.getInt(at) & 0xFFFFFFFFL;
        long v;
        String what;
        switch (rnd.nextInt(6)) {
            case 0 -> {
                v = block;
                what = "itself: a loop";
            }
            case 1 -> {
                v = dind ? f.dind() : (f.dind() != 0 ? f.dind() : f.ind());
                what = "the file's top indirect block";
            }
            case 2 -> {
                v = l.inodeOffset(f.ino()) / l.blockSize;
                what = "the inode table block holding the file";
            }
            case 3 -> {
                v = l.u32(block, rnd.nextInt(Math.max(1, used)));
                what = "another entry of the same block";
            }
            case 4 -> {
                return flipBytes(blockAt(block), l.blockSize, name);
            }
            default -> {
                ImageLayout.Labelled t = badTarget(f.ino());
                v = t.block();
                what = t.what();
            }
        }
        le.putInt(at, (int) v);
        return name + " entry " + index + " " + old + " -> " + v + " (" + what + ")";
    }

    // ---- directories

    private String directory() {
        List<ImageLayout.FileMap> dirs = l.files.values().stream()
                .filter(f -> (l.inode(l.image, f.ino()).mode() & 0xF000) == 0x4000 && !f.data().isEmpty()).toList();
        ImageLayout.FileMap d = pick(dirs);
        int index = rnd.nextInt(Math.min(2, d.data().size()));
        long block = d.data().get(index);
        String name = d.path() + " (inode " + d.ino() + ") block " + block + " (#" + index + ")";
        List<Integer> entries = new ArrayList<>();
        for (int off = 0; off + DirRecord.HEADER <= l.blockSize; ) {
            entries.add(off);
            int len = new DirRecord(le, (int) blockAt(block) + off).recLen(l.blockSize);
            if (len < DirRecord.HEADER) {
                break;
            }
            off += len;
        }
        int off = pick(entries);
        DirRecord r = new DirRecord(le, (int) (blockAt(block) + off));
        int at = (int) blockAt(block) + off;
        int nameLen = Math.min(r.nameLen(), l.blockSize - off - DirRecord.HEADER);
        String entry = name + " entry '" + new String(img, at + DirRecord.HEADER, Math.max(0, nameLen), java.nio.charset.StandardCharsets.ISO_8859_1)
                + "' at " + off;
        switch (rnd.nextInt(8)) {
            case 0: {
                int old = r.rawRecLen();
                int v = pick(List.of(0, 4, 7, 12, old + 4, old - 4, l.blockSize + 12, l.blockSize - off + 4, 0xFFFF));
                le.putShort(at + 4, (short) v);
                return entry + " rec_len " + old + " -> " + v;
            }
            case 1: {
                int old = r.nameLen();
                int v = pick(List.of(0, 255, old + 1, r.rawRecLen()));
                le.put(at + 6, (byte) v);
                return entry + " name_len " + old + " -> " + v;
            }
            case 2, 3: {
                long old = r.inode();
                List<Long> others = l.usedInodes();
                long v = pick(List.of(0L, 1L, 7L, l.sb.inodesCount() + 5, 0xFFFFFFFFL, d.ino(), pick(others),
                        others.get(others.size() - 1) + 1 + rnd.nextInt(3)));
                r.setInode(v);
                return entry + " inode " + old + " -> " + v;
            }
            case 4: {
                int old = r.fileType();
                int v = pick(List.of(0, 1, 2, 7, 9, 0xFF));
                r.setFileType(v);
                return entry + " file_type " + old + " -> " + v;
            }
            case 5: {
                if (r.nameLen() == 0) {
                    return entry + " (empty name) unchanged: " + flipBytes(blockAt(block), l.blockSize, name);
                }
                int i = rnd.nextInt(r.nameLen());
                byte v = pick(List.of((byte) '/', (byte) 0, (byte) '.'));
                img[at + DirRecord.HEADER + i] = v;
                return entry + " name byte " + i + " -> 0x" + Integer.toHexString(v);
            }
            case 6:
                return fill(block, 0, name);
            default:
                return flipBytes(blockAt(block), l.blockSize, name);
        }
    }
}
