package io.jrump.dev.part;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.BlockDevice;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.dev.FileBlockDevice;
import io.jrump.dev.MemoryBlockDevice;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition tables made by the real tools ({@code sfdisk} for DOS, {@code sgdisk} for GPT), read
 * back and compared with what {@code sfdisk -d} says about the same image; then damaged tables,
 * each of which must be an {@code EIO} naming the structure.
 */
class PartitionTableTest {
    private static final long MIB = 1 << 20;
    /** One line of {@code sfdisk -d}: {@code img3 : start=  18432, size=  22528, type=5, ..., name="x"}. */
    private static final Pattern DUMP_LINE = Pattern.compile(
            "\\S+?(\\d+) : start=\\s*(\\d+), size=\\s*(\\d+), type=([0-9A-Fa-f-]+)(?:.*name=\"([^\"]*)\")?");

    @TempDir
    Path dir;

    @Test
    void dosTableWithLogicalPartitionsMatchesSfdisk() throws Exception {
        Peers.require("sfdisk", "fdisk");
        Path img = image("dos.img", 20 * MIB);
        Peers.okWithInput("label: dos\n,4M,83\n,4M,c\n,+,5\n,2M,83\n,3M,82\n,,83\n", "sfdisk", "-q", img.toString());
        List<Partition> expected = sfdiskDump(img, false);
        assertEquals(6, expected.size(), "sfdisk made 3 primaries and 3 logicals");
        try (FileBlockDevice disk = FileBlockDevice.open(img, true)) {
            PartitionTable t = PartitionTable.read(disk, "dos.img");
            assertEquals(PartitionTable.Scheme.MBR, t.scheme());
            assertEquals(expected, t.partitions());
            assertEquals(List.of(1, 2, 3, 5, 6, 7), t.partitions().stream().map(Partition::number).toList());
            assertEquals("0x0c", t.partition(2).type());
        }
    }

    @Test
    void gptTableMatchesSgdiskIncludingNamesAndGaps() throws Exception {
        Peers.require("sgdisk", "gdisk");
        Peers.require("sfdisk", "fdisk");
        Path img = image("gpt.img", 20 * MIB);
        Peers.ok("sgdisk", "-n", "1:2048:+4M", "-t", "1:8300", "-c", "1:root",
                "-n", "3:0:+2M", "-t", "3:ef00", "-c", "3:EFI system", "-n", "4:0:0", "-t", "4:8200", img.toString());
        List<Partition> expected = sfdiskDump(img, true);
        try (FileBlockDevice disk = FileBlockDevice.open(img, true)) {
            PartitionTable t = PartitionTable.read(disk, "gpt.img");
            assertEquals(PartitionTable.Scheme.GPT, t.scheme());
            assertEquals(expected, t.partitions());
            assertEquals("EFI system", t.partition(3).name());
            assertEquals("0FC63DAF-8483-4772-8E79-3D69D8477DE4", t.partition(1).type());
            assertEquals(List.of(), t.notes());
            ErrnoException e = assertThrows(ErrnoException.class, () -> t.partition(2));
            assertEquals(Errno.ENXIO, e.errno());
            assertTrue(e.getMessage().contains("has 1, 3, 4"), e.getMessage());
        }
    }

    @Test
    void damagedPrimaryGptFallsBackToTheBackupAndSaysSo() throws Exception {
        Peers.require("sgdisk", "gdisk");
        Path img = image("gpt.img", 8 * MIB);
        Peers.ok("sgdisk", "-n", "1:2048:+2M", "-n", "2:0:0", img.toString());
        List<Partition> good;
        try (FileBlockDevice disk = FileBlockDevice.open(img, true)) {
            good = PartitionTable.read(disk, "gpt.img").partitions();
        }
        patch(img, 512 + 40, new byte[] {1}); // first usable LBA of the primary header: CRC no longer matches
        try (FileBlockDevice disk = FileBlockDevice.open(img, true)) {
            PartitionTable t = PartitionTable.read(disk, "gpt.img");
            assertEquals(good, t.partitions());
            assertEquals(1, t.notes().size());
            assertTrue(t.notes().get(0).contains("header CRC32"), t.notes().toString());
        }
        patch(img, 8 * MIB - 512, new byte[] {'X'}); // the backup's signature
        try (FileBlockDevice disk = FileBlockDevice.open(img, true)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> PartitionTable.read(disk, "gpt.img"));
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains("gpt.img: gpt: primary header at LBA 1: header CRC32"), e.getMessage());
            assertTrue(e.getMessage().contains("backup header at LBA 16383: no \"EFI PART\" signature"), e.getMessage());
        }
    }

    @Test
    void damagedPrimaryEntryArrayFallsBackToTheBackup() throws Exception {
        Peers.require("sgdisk", "gdisk");
        Path img = image("gpt.img", 8 * MIB);
        Peers.ok("sgdisk", "-n", "1:2048:+2M", img.toString());
        patch(img, 2 * 512 + 32, new byte[] {0x7f}); // first LBA of entry 1 in the primary array
        try (FileBlockDevice disk = FileBlockDevice.open(img, true)) {
            PartitionTable t = PartitionTable.read(disk, "gpt.img");
            assertEquals(2048, t.partition(1).start());
            assertTrue(t.notes().get(0).contains("entry array at LBA 2: CRC32"), t.notes().toString());
        }
    }

    @Test
    void bareFileSystemImageHasNoTable() throws Exception {
        try (MemoryBlockDevice disk = new MemoryBlockDevice(4 * MIB)) {
            PartitionTable t = PartitionTable.read(disk, "fs.img");
            assertEquals(PartitionTable.Scheme.NONE, t.scheme());
            assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> t.partition(1)).errno());
        }
    }

    @Test
    void fatBootSectorIsNotMistakenForAnMbr() throws Exception {
        try (MemoryBlockDevice disk = new MemoryBlockDevice(4 * MIB)) {
            ByteBuffer s = sector();
            for (int i = 0; i < 510; i++) {
                s.put(i, (byte) (0x31 + i)); // boot code where the entries would be
            }
            write(disk, 0, s);
            assertEquals(PartitionTable.Scheme.NONE, PartitionTable.read(disk, "fat.img").scheme());
        }
    }

    @Test
    void partitionPastTheEndOfTheDiskIsDamage() throws Exception {
        try (MemoryBlockDevice disk = new MemoryBlockDevice(MIB)) {
            ByteBuffer mbr = sector();
            entry(mbr, 1, 0x83, 2048, 4096); // the disk has 2048 sectors
            write(disk, 0, mbr);
            assertDamaged(disk, "mbr: partition 2: sectors 2048 to 6143 lie outside the disk (2048 sectors)");
        }
    }

    @Test
    void loopingExtendedChainIsDamageNotAHang() throws Exception {
        try (MemoryBlockDevice disk = new MemoryBlockDevice(4 * MIB)) {
            ByteBuffer mbr = sector();
            entry(mbr, 0, 0x05, 100, 4000);
            write(disk, 0, mbr);
            ByteBuffer ebr1 = sector();
            entry(ebr1, 0, 0x83, 10, 50);
            entry(ebr1, 1, 0x05, 200, 100); // next EBR at 100 + 200
            write(disk, 100, ebr1);
            ByteBuffer ebr2 = sector();
            entry(ebr2, 0, 0x83, 10, 50);
            entry(ebr2, 1, 0x05, 200, 100); // links to itself
            write(disk, 300, ebr2);
            assertDamaged(disk, "mbr: extended boot record at sector 300 is linked twice (the chain loops)");
        }
    }

    @Test
    void extendedLinkLeavingTheExtendedPartitionIsDamage() throws Exception {
        try (MemoryBlockDevice disk = new MemoryBlockDevice(4 * MIB)) {
            ByteBuffer mbr = sector();
            entry(mbr, 0, 0x0f, 100, 400);
            write(disk, 0, mbr);
            ByteBuffer ebr = sector();
            entry(ebr, 0, 0x83, 1, 50);
            entry(ebr, 1, 0x05, 7000, 10);
            write(disk, 100, ebr);
            assertDamaged(disk, "mbr: extended boot record at sector 100: link to sector 7100 leaves the extended partition (sectors 100 to 499)");
        }
    }

    @Test
    void ebrWithoutSignatureIsDamage() throws Exception {
        try (MemoryBlockDevice disk = new MemoryBlockDevice(4 * MIB)) {
            ByteBuffer mbr = sector();
            entry(mbr, 3, 0x85, 100, 400);
            write(disk, 0, mbr);
            assertDamaged(disk, "mbr: extended boot record at sector 100: no 0x55AA signature");
        }
    }

    @Test
    void partitionDeviceIsAWindowOntoTheDisk() throws Exception {
        try (MemoryBlockDevice disk = new MemoryBlockDevice(4 * MIB)) {
            ByteBuffer mbr = sector();
            entry(mbr, 0, 0x83, 2048, 1024);
            entry(mbr, 1, 0x83, 3072, 1024);
            write(disk, 0, mbr);
            PartitionTable t = PartitionTable.read(disk, "disk");
            BlockDevice p2 = t.partition(2).open(disk, "disk@2");
            assertEquals(1024L * 512, p2.size());
            byte[] data = new byte[1024];
            new Random(7).nextBytes(data);
            p2.write(1, ByteBuffer.wrap(data));
            ByteBuffer back = ByteBuffer.allocate(1024);
            disk.read(3072 + 1, back);
            assertArrayEquals(data, back.array(), "partition sector 1 is disk sector 3073");

            ErrnoException e = assertThrows(ErrnoException.class, () -> p2.read(1023, ByteBuffer.allocate(1024)));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("disk@2: 2 sectors at sector 1023 are outside the device (1024 sectors)"), e.getMessage());
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> p2.write(-1, ByteBuffer.allocate(512))).errno());
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> p2.discard(1000, 25)).errno());
            p2.close();
            assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> p2.read(0, ByteBuffer.allocate(512))).errno());
            disk.read(0, ByteBuffer.allocate(512)); // the disk is still open
        }
    }

    @Test
    void partitionOfAReadOnlyDiskRefusesWrites() throws Exception {
        Path img = image("ro.img", MIB);
        try (FileBlockDevice rw = FileBlockDevice.open(img, false)) {
            ByteBuffer mbr = sector();
            entry(mbr, 0, 0x83, 64, 64);
            write(rw, 0, mbr);
        }
        try (FileBlockDevice disk = FileBlockDevice.open(img, true)) {
            BlockDevice p = PartitionTable.read(disk, "ro.img").partition(1).open(disk, "ro.img@1");
            assertTrue(p.isReadOnly());
            assertEquals(Errno.EROFS, assertThrows(ErrnoException.class, () -> p.write(0, ByteBuffer.allocate(512))).errno());
        }
    }

    /**
     * Seeded random damage to real tables: every outcome is a table or an ErrnoException, never
     * another exception. Prints the seed and the mutation when one escapes.
     */
    @Test
    void randomDamageGivesOnlyErrnoExceptions() throws Exception {
        Peers.require("sgdisk", "gdisk");
        Peers.require("sfdisk", "fdisk");
        Path gpt = image("gpt.img", 2 * MIB);
        Peers.ok("sgdisk", "-n", "1:0:+256K", "-n", "2:0:+256K", "-n", "3:0:0", gpt.toString());
        Path dos = image("dos.img", 2 * MIB);
        Peers.okWithInput("label: dos\n,256K,83\n,,5\n,256K,83\n,,83\n", "sfdisk", "-q", dos.toString());
        long seed = System.nanoTime();
        Random rnd = new Random(seed);
        for (Path img : List.of(gpt, dos)) {
            byte[] original = Files.readAllBytes(img);
            int interesting = (int) Math.min(original.length, 64 * 512);
            List<Integer> structures = nonZeroSectors(original, interesting);
            for (int round = 0; round < 1500; round++) {
                byte[] bytes = original.clone();
                StringBuilder what = new StringBuilder();
                int flips = 1 + rnd.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    int sector = structures.get(rnd.nextInt(structures.size()));
                    int at = sector * 512 + rnd.nextInt(512);
                    byte v = (byte) rnd.nextInt(256);
                    bytes[at] = v;
                    what.append(String.format(" [%d]=0x%02x", at, v));
                }
                try (MemoryBlockDevice disk = new MemoryBlockDevice(bytes.length)) {
                    for (int sector : structures) { // the rest of the image is zeros, as a new memory disk reads
                        disk.write(sector, ByteBuffer.wrap(bytes, sector * 512, 512));
                    }
                    PartitionTable t = PartitionTable.read(disk, "fuzz");
                    for (Partition p : t.partitions()) {
                        BlockDevice view = p.open(disk, "fuzz@" + p.number());
                        view.read(view.sectors() - 1, ByteBuffer.allocate(512));
                    }
                } catch (ErrnoException expected) {
                    assertTrue(expected.getMessage().startsWith("EIO (Input/output error): fuzz: "), expected.getMessage());
                } catch (RuntimeException e) {
                    throw new AssertionError("seed " + seed + ", " + img.getFileName() + " mutated" + what + ": " + e, e);
                }
            }
        }
    }

    // ---- helpers ----

    private Path image(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    private static void patch(Path img, long at, byte[] bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(at);
            byte[] old = new byte[bytes.length];
            f.readFully(old);
            for (int i = 0; i < bytes.length; i++) {
                old[i] ^= bytes[i] == 0 ? (byte) 0xff : bytes[i];
            }
            f.seek(at);
            f.write(old);
        }
    }

    private static List<Partition> sfdiskDump(Path img, boolean gpt) throws Exception {
        List<Partition> parts = new ArrayList<>();
        for (String line : Peers.ok("sfdisk", "-d", img.toString()).split("\n")) {
            Matcher m = DUMP_LINE.matcher(line.trim());
            if (m.find()) {
                String type = m.group(4);
                type = gpt ? type.toUpperCase() : String.format("0x%02x", Integer.parseInt(type, 16));
                parts.add(new Partition(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                        type, m.group(5) == null ? "" : m.group(5)));
            }
        }
        return parts;
    }

    private static List<Integer> nonZeroSectors(byte[] b, int limit) {
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s * 512 < limit; s++) {
            for (int i = 0; i < 512; i++) {
                if (b[s * 512 + i] != 0) {
                    out.add(s);
                    break;
                }
            }
        }
        int last = b.length / 512 - 1; // the GPT backup header
        out.add(last);
        return out;
    }

    private static ByteBuffer sector() {
        ByteBuffer b = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        b.put(510, (byte) 0x55).put(511, (byte) 0xAA);
        return b;
    }

    private static void entry(ByteBuffer b, int slot, int type, long start, long count) {
        int at = 446 + slot * 16;
        b.put(at + 4, (byte) type).putInt(at + 8, (int) start).putInt(at + 12, (int) count);
    }

    private static void write(BlockDevice d, long sector, ByteBuffer b) throws ErrnoException {
        d.write(sector, b.duplicate().clear());
    }

    private static void assertDamaged(BlockDevice disk, String detail) {
        ErrnoException e = assertThrows(ErrnoException.class, () -> PartitionTable.read(disk, "disk.img"));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("disk.img: " + detail), e.getMessage());
    }
}
