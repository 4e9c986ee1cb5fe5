package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.fs.ext2.disk.Xattr;
import io.jrump.fs.ext2.disk.XattrRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged attribute storage is contained: seeded mutations of an attribute block and of the
 * attributes in an inode body (offsets, sizes, name lengths, magic numbers, reference counts),
 * then reads, writes, removals and an unlink through a read-write mount. Only ErrnoExceptions
 * may come out, and {@code e2fsck -fn} after must report no problem it did not report before.
 * The parser alone also meets random bytes.
 */
class Ext2XattrDamageTest {
    private static final int BS = 4096;
    private static final int CASES = Integer.getInteger("ext2.xattr.cases", 60);
    private static final long SEED = 0x2026_0009L;

    @TempDir
    Path tmp;

    @Test
    void theParserAnswersEveryRegionWithAListOrAReason() {
        Random rnd = new Random(SEED);
        ByteBuffer valid = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
        List<Xattr> attrs = List.of(new Xattr(1, "a".getBytes(), new byte[100]), new Xattr(4, "long_name_here".getBytes(), new byte[7]),
                new Xattr(6, "s".getBytes(), new byte[0]));
        XattrRegion.write(valid, XattrRegion.BLOCK_HEADER, 0, BS, attrs, true);
        int parsedOk = 0;
        for (int i = 0; i < 20_000; i++) {
            ByteBuffer b = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
            b.put(0, valid, 0, BS);
            int changes = 1 + rnd.nextInt(4);
            for (int c = 0; c < changes; c++) {
                int at = XattrRegion.BLOCK_HEADER + rnd.nextInt(rnd.nextBoolean() ? 96 : BS - XattrRegion.BLOCK_HEADER);
                b.put(at, (byte) rnd.nextInt(256));
            }
            List<Xattr> out = new ArrayList<>();
            String bad = XattrRegion.parse(b, XattrRegion.BLOCK_HEADER, 0, BS, out);
            if (bad == null) {
                parsedOk++;
                for (Xattr x : out) {
                    assertTrue(x.value() != null && x.value().length <= BS);
                }
            }
        }
        System.out.println("Ext2XattrDamageTest: 20000 mutated blocks, " + parsedOk + " still parse, the rest give a reason");
    }

    private record Base(Path image, long blockOfA, long inodeBlockOfC, int inodeOffsetOfC) {
    }

    private Base base() throws Exception {
        E2fsprogs.assumeAvailable();
        Path img = tmp.resolve("base.img");
        E2fsprogs.mkfs(img, "ext2", BS, 8L << 20, "-I", "256");
        try (RumpKernel k = mount(img)) {
            Syscalls sys = k.sys();
            for (String f : List.of("a", "c")) {
                sys.close(sys.open("/mnt/" + f, OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644));
            }
            for (int i = 0; i < 6; i++) {
                sys.setxattr("/mnt/a", "user.attribute_" + i, new byte[300 + i], 0);
            }
            sys.setxattr("/mnt/c", "user.x", "inode".getBytes(), 0);
            sys.setxattr("/mnt/c", "trusted.y", new byte[20], 0);
        }
        E2fsprogs.assertClean(img);
        Matcher acl = Pattern.compile("File ACL: (\\d+)").matcher(E2fsprogs.debugfs(img, "stat /a").output());
        assertTrue(acl.find());
        Matcher at = Pattern.compile("located at block (\\d+), offset 0x([0-9a-f]+)").matcher(E2fsprogs.debugfs(img, "imap /c").output());
        assertTrue(at.find());
        return new Base(img, Long.parseLong(acl.group(1)), Long.parseLong(at.group(1)), Integer.parseInt(at.group(2), 16));
    }

    private static RumpKernel mount(Path img) throws Exception {
        RumpKernel k = Rump.builder().disk("disk0", img).boot();
        k.sys().mkdir("/mnt", 0755);
        k.sys().mount("disk0", "/mnt", "ext2", 0, "check=normal");
        return k;
    }

    @Test
    void damagedAttributesNeverSpread() throws Exception {
        Base base = base();
        byte[] clean = Files.readAllBytes(base.image());
        int errnos = 0;
        for (int n = 0; n < CASES; n++) {
            long seed = SEED * 31 + n;
            Random rnd = new Random(seed);
            byte[] img = clean.clone();
            ByteBuffer le = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
            String what;
            if (rnd.nextBoolean()) {
                int off = (int) (base.blockOfA() * BS);
                int at = switch (rnd.nextInt(3)) {
                    case 0 -> rnd.nextInt(XattrRegion.BLOCK_HEADER);
                    case 1 -> XattrRegion.BLOCK_HEADER + rnd.nextInt(160);
                    default -> rnd.nextInt(BS);
                };
                int v = rnd.nextBoolean() ? rnd.nextInt(256) : rnd.nextInt();
                what = "attribute block byte " + at + " = " + v;
                if (v >= 0 && v < 256) {
                    le.put(off + at, (byte) v);
                } else {
                    le.putInt(off + (at & ~3), v);
                }
            } else {
                int inode = (int) (base.inodeBlockOfC() * BS) + base.inodeOffsetOfC();
                int at = rnd.nextBoolean() ? 0x80 + rnd.nextInt(2) : 0xA0 + rnd.nextInt(96);
                int v = rnd.nextInt(256);
                what = "inode body byte " + at + " = " + v;
                le.put(inode + at, (byte) v);
            }
            Path image = tmp.resolve("case-" + n + ".img");
            Files.write(image, img);
            FsckReport before = FsckReport.of(E2fsprogs.runApart(List.of("e2fsck", "-fn", image.toString())), image.toString());
            try (RumpKernel k = mount(image)) {
                errnos += exercise(k.sys());
            } catch (ErrnoException e) {
                errnos++; // the mount itself refusing is containment too
            }
            FsckReport after = FsckReport.of(E2fsprogs.runApart(List.of("e2fsck", "-fn", image.toString())), image.toString());
            Set<FsckReport.Problem> fresh = after.newSince(before);
            assertEquals(Set.of(), fresh, "case " + n + " (seed " + seed + "): " + what + ": e2fsck finds new problems after the writes");
            Files.delete(image);
        }
        System.out.println("Ext2XattrDamageTest: " + CASES + " damaged images, " + errnos + " calls refused with an errno, no damage spread");
    }

    /** Reads, changes and removes attributes and files; returns how many calls failed (with an errno: anything else fails the test). */
    private static int exercise(Syscalls sys) {
        int failed = 0;
        List<Op> ops = List.of(
                () -> sys.listxattr("/mnt/a"),
                () -> sys.getxattr("/mnt/a", "user.attribute_2"),
                () -> sys.listxattr("/mnt/c"),
                () -> sys.getxattr("/mnt/c", "user.x"),
                () -> sys.setxattr("/mnt/a", "user.attribute_1", new byte[10], 0),
                () -> sys.setxattr("/mnt/a", "user.new", new byte[900], 0),
                () -> sys.removexattr("/mnt/a", "user.attribute_0"),
                () -> sys.setxattr("/mnt/c", "user.more", new byte[30], 0),
                () -> sys.setxattr("/mnt/c", "user.big", new byte[2000], 0),
                () -> sys.removexattr("/mnt/c", "user.x"),
                () -> sys.unlink("/mnt/a"),
                () -> sys.unlink("/mnt/c"));
        for (Op op : ops) {
            try {
                op.run();
            } catch (ErrnoException e) {
                failed++;
            }
        }
        return failed;
    }

    private interface Op {
        void run() throws ErrnoException;
    }
}
