package io.jrump.fs.ext2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.jrump.api.MountFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.testing.Peers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extended attributes against Linux itself (root: loop mounts): what the kernel's ext4 writes
 * with {@code setfattr} — small values in the inode, a 3000-byte value in a block, many names
 * overflowing into a block, identical sets that the kernel shares in one block, POSIX ACLs
 * (stored in ext4's own form, read back in the calls' form) — jrump reads
 * exactly as {@code getfattr -d -m -} shows; what jrump writes, including a change to a block
 * the kernel shared, {@code getfattr} on a loop mount shows, and e2fsck finds clean.
 */
class Ext2XattrLinuxTest {
    private static final int BS = 4096;

    @TempDir
    Path tmp;

    private static String hex(byte[] b) {
        return "0x" + HexFormat.of().formatHex(b);
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + seed);
        }
        return b;
    }

    /** The attributes of the files given, as {@code getfattr -d -m - -e hex} shows them: file to name to value. */
    private static Map<String, Map<String, String>> getfattr(Path dir, List<String> files) throws Exception {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (String f : files) {
            String text = Peers.ok("getfattr", "-d", "-m", "-", "-e", "hex", "--absolute-names", dir.resolve(f).toString());
            Map<String, String> attrs = new TreeMap<>();
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int eq = line.indexOf('=');
                attrs.put(eq < 0 ? line : line.substring(0, eq), eq < 0 ? "0x" : line.substring(eq + 1));
            }
            out.put(f, attrs);
        }
        return out;
    }

    /** The same view through jrump's listxattr and getxattr. */
    private static Map<String, Map<String, String>> jrump(Syscalls sys, String dir, List<String> files) throws Exception {
        Map<String, Map<String, String>> out = new TreeMap<>();
        for (String f : files) {
            Map<String, String> attrs = new TreeMap<>();
            for (String name : sys.listxattr(dir + "/" + f)) {
                attrs.put(name, hex(sys.getxattr(dir + "/" + f, name)));
            }
            out.put(f, attrs);
        }
        return out;
    }

    private static void setfattr(Path file, String name, byte[] value) throws Exception {
        Peers.ok("setfattr", "-n", name, "-v", hex(value), file.toString());
    }

    private static long fileAcl(Path img, String path) throws Exception {
        Matcher m = Pattern.compile("File ACL: (\\d+)").matcher(E2fsprogs.debugfs(img, "stat " + path).output());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Files with the attribute sets of the issue: small, 3000 bytes, many names, two identical sets. */
    private static List<String> fill(Path dir) throws Exception {
        List<String> files = List.of("small", "large", "many", "twin1", "twin2", "dir");
        for (String f : files) {
            if (f.equals("dir")) {
                Files.createDirectory(dir.resolve(f));
            } else {
                Files.createFile(dir.resolve(f));
            }
        }
        setfattr(dir.resolve("small"), "user.comment", "hello".getBytes(StandardCharsets.UTF_8));
        setfattr(dir.resolve("small"), "user.empty", new byte[0]);
        setfattr(dir.resolve("small"), "trusted.t", "root".getBytes(StandardCharsets.UTF_8));
        setfattr(dir.resolve("small"), "security.s", new byte[] {1, 2, 3});
        setfattr(dir.resolve("large"), "user.big", pattern(3000, 1));
        for (int i = 0; i < 40; i++) {
            setfattr(dir.resolve("many"), "user.attribute_number_" + i, ("value number " + i).getBytes(StandardCharsets.UTF_8));
        }
        for (String twin : List.of("twin1", "twin2")) {
            setfattr(dir.resolve(twin), "user.shared", pattern(1500, 2));
            setfattr(dir.resolve(twin), "user.shared2", pattern(1500, 3));
        }
        setfattr(dir.resolve("dir"), "user.d", "on a directory".getBytes(StandardCharsets.UTF_8));
        // POSIX ACLs, in the form the calls take (the kernel stores ext4's shorter form): user::rw-, user:1000:r--, group::r--, mask::r--, other::r--
        byte[] acl = HexFormat.of().parseHex("0200000001000600ffffffff02000400e803000004000400ffffffff10000400ffffffff20000400ffffffff");
        setfattr(dir.resolve("small"), "system.posix_acl_access", acl);
        setfattr(dir.resolve("dir"), "system.posix_acl_default", acl);
        return files;
    }

    private static RumpKernel mount(Path img, boolean readOnly) throws Exception {
        RumpKernel k = Rump.builder().disk("disk0", img).boot();
        k.sys().mkdir("/mnt", 0755);
        k.sys().mount("disk0", "/mnt", "ext2", readOnly ? MountFlags.MNT_RDONLY : 0, null);
        return k;
    }

    @Test
    void jrumpReadsWhatLinuxWroteOnExt4() throws Exception {
        Peers.requireRoot("Linux loop mounts need root");
        Peers.require("setfattr", "attr");
        Path img = E2fsprogs.mkfs(tmp.resolve("k.img"), "ext4", BS, 64L << 20);
        Map<String, Map<String, String>> linux;
        List<String> files;
        try (LoopMount m = LoopMount.mount(img, tmp.resolve("mnt"), null)) {
            files = fill(m.dir());
            linux = getfattr(m.dir(), files);
        }
        E2fsprogs.assertClean(img);
        long twin = fileAcl(img, "/twin1");
        System.out.println("Ext2XattrLinuxTest: twin1 block " + twin + ", twin2 block " + fileAcl(img, "/twin2")
                + (twin == fileAcl(img, "/twin2") ? " (shared by the kernel)" : " (not shared)"));
        try (RumpKernel k = mount(img, true)) {
            assertEquals(linux, jrump(k.sys(), "/mnt", files));
        }
    }

    @Test
    void linuxReadsWhatJrumpWroteIncludingACopiedSharedBlock() throws Exception {
        Peers.requireRoot("Linux loop mounts need root");
        Peers.require("setfattr", "attr");
        Path img = E2fsprogs.mkfs(tmp.resolve("j.img"), "ext2", BS, 64L << 20, "-I", "256");
        List<String> files;
        try (LoopMount m = LoopMount.mount(img, tmp.resolve("mnt"), null)) {
            files = fill(m.dir());
        }
        long shared = fileAcl(img, "/twin1");
        boolean kernelShared = shared == fileAcl(img, "/twin2");
        Map<String, Map<String, String>> want = new TreeMap<>();
        try (RumpKernel k = mount(img, false)) {
            Syscalls sys = k.sys();
            sys.setxattr("/mnt/twin2", "user.shared2", "changed".getBytes(StandardCharsets.UTF_8), 0);
            sys.setxattr("/mnt/small", "user.more", pattern(2000, 5), 0);
            sys.removexattr("/mnt/small", "user.comment");
            sys.close(sys.open("/mnt/new", io.jrump.api.OpenFlags.O_CREAT | io.jrump.api.OpenFlags.O_WRONLY, 0644));
            sys.setxattr("/mnt/new", "user.n", pattern(3000, 6), 0);
            sys.setxattr("/mnt/new", "trusted.n", pattern(10, 7), 0);
            sys.setxattr("/mnt/many", "user.attribute_number_3", new byte[0], io.jrump.api.XattrFlags.XATTR_REPLACE);
            List<String> all = new ArrayList<>(files);
            all.add("new");
            want.putAll(jrump(sys, "/mnt", all));
            files = all;
        }
        E2fsprogs.assertClean(img);
        if (kernelShared) {
            assertEquals(shared, fileAcl(img, "/twin1"), "twin1 keeps the block the kernel shared");
            assertNotEquals(shared, fileAcl(img, "/twin2"), "twin2's change went to a copy");
        }
        try (LoopMount m = LoopMount.mount(img, tmp.resolve("mnt2"), null)) {
            assertEquals(want, getfattr(m.dir(), files));
            assertEquals(hex("changed".getBytes(StandardCharsets.UTF_8)), want.get("twin2").get("user.shared2"));
            assertEquals(hex(pattern(1500, 3)), want.get("twin1").get("user.shared2"));
        }
        E2fsprogs.assertClean(img);
        Map<String, String> expectNew = new LinkedHashMap<>();
        expectNew.put("trusted.n", hex(pattern(10, 7)));
        expectNew.put("user.n", hex(pattern(3000, 6)));
        assertEquals(new TreeMap<>(expectNew), want.get("new"));
    }
}
