package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rump getfattr} and {@code rump setfattr} on an image, in getfattr(1)'s output format
 * and with its value encodings; errors naming the call, the path, the attribute and the errno;
 * and {@code cp -a} / {@code cp --xattrs} carrying attributes between the host and images.
 */
class XattrCommandsTest {
    @TempDir
    Path dir;
    String image;

    @BeforeEach
    void makeImage() {
        image = dir.resolve("disk.img").toString();
        ok("mkfs", "-t", "ext2", image, "16M");
    }

    private static CliTest.Run ok(String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(0, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    private static CliTest.Run fails(int status, String... args) {
        CliTest.Run r = CliTest.rump(args);
        assertEquals(status, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    @Test
    void setAndGetAsTheAttrToolsPrintThem() throws Exception {
        Path f = dir.resolve("f");
        Files.writeString(f, "x");
        ok("cp", f.toString(), image + ":/f");
        ok("setfattr", "-n", "user.comment", "-v", "hello world", image + ":/f");
        ok("setfattr", "-n", "user.bin", "-v", "0x00ff22", image + ":/f");
        ok("setfattr", "-n", "trusted.t", "-v", "\"q\\\"\"", image + ":/f");
        ok("setfattr", "-n", "user.quote", "-v", "say \"hi\"\\", image + ":/f");
        assertEquals("\"say \\\"hi\\\"\\\\\"", value(image + ":/f", "user.quote"), "as getfattr escapes them");
        ok("setfattr", "-x", "user.quote", image + ":/f");
        assertEquals("# file: " + image + ":/f\nuser.comment=\"hello world\"\nuser.bin=0sAP8i\n\n",
                ok("getfattr", "-d", image + ":/f").out());
        assertEquals("# file: " + image + ":/f\nuser.bin=0x00ff22\n\n", ok("getfattr", "-n", "user.bin", "-e", "hex", image + ":/f").out());
        String all = ok("getfattr", "-d", "-m", "-", "-e", "base64", image + ":/f").out();
        assertTrue(all.contains("trusted.t=0s" + java.util.Base64.getEncoder().encodeToString("q\"".getBytes(StandardCharsets.UTF_8))), all);
        assertEquals("# file: " + image + ":/f\nuser.comment\nuser.bin\n\n", ok("getfattr", image + ":/f").out(), "names only without -d");
        ok("setfattr", "-x", "user.bin", image + ":/f");
        assertEquals("hello world", ok("getfattr", "-n", "user.comment", "--only-values", image + ":/f").out());

        CliTest.Run missing = fails(1, "getfattr", "-n", "user.bin", image + ":/f");
        assertTrue(missing.err().contains("getxattr " + image + ":/f (user.bin): ENODATA"), missing.err());
        CliTest.Run gone = fails(1, "setfattr", "-x", "user.bin", image + ":/f", image + ":/nothing");
        assertTrue(gone.err().contains("removexattr " + image + ":/f (user.bin): ENODATA"), gone.err());
        assertTrue(gone.err().contains(image + ":/nothing") && gone.err().contains("ENOENT"), gone.err());
        CliTest.Run bad = fails(1, "setfattr", "-n", "bogus.x", "-v", "1", image + ":/f");
        assertTrue(bad.err().contains("setxattr " + image + ":/f (bogus.x): EOPNOTSUPP"), bad.err());
        fails(2, "setfattr", "-n", "user.x", "-x", "user.y", image + ":/f");
        fails(2, "setfattr", "-n", "user.x", "-v", "0xzz", image + ":/f");
        fails(2, "getfattr", "-e", "morse", image + ":/f");
    }

    /** As root: {@code rump getfattr} on the image prints what {@code getfattr} prints on Linux's loop mount of it. */
    @Test
    void getfattrAgreesWithTheAttrToolsOnALoopMount() throws Exception {
        io.jrump.testing.Peers.requireRoot("Linux loop mounts need root");
        io.jrump.testing.Peers.require("getfattr", "attr");
        ok("mkdir", image + ":/d");
        ok("setfattr", "-n", "user.text", "-v", "plain words", image + ":/d");
        ok("setfattr", "-n", "user.cstring", "-v", "0x61626300", image + ":/d");
        ok("setfattr", "-n", "user.quoted", "-v", "0x226e6f22090a5c", image + ":/d");
        ok("setfattr", "-n", "user.binary", "-v", "0x000102030405", image + ":/d");
        ok("setfattr", "-n", "user.empty", image + ":/d");
        ok("setfattr", "-n", "trusted.t", "-v", "0s" + java.util.Base64.getEncoder().encodeToString(new byte[800]), image + ":/d");
        ok("setfattr", "-n", "security.s", "-v", "label", image + ":/d");
        Path mnt = dir.resolve("mnt");
        Files.createDirectories(mnt);
        for (String enc : new String[] {null, "text", "hex", "base64"}) {
            String ours = enc == null ? ok("getfattr", "-d", "-m", "-", image + ":/d").out()
                    : ok("getfattr", "-d", "-m", "-", "-e", enc, image + ":/d").out();
            ImageCommandsTest.run("mount", "-t", "ext4", "-o", "loop,ro", image, mnt.toString());
            String theirs;
            try {
                theirs = enc == null ? ImageCommandsTest.run("getfattr", "-d", "-m", "-", mnt.resolve("d").toString())
                        : ImageCommandsTest.run("getfattr", "-d", "-m", "-", "-e", enc, mnt.resolve("d").toString());
            } finally {
                ImageCommandsTest.run("umount", mnt.toString());
            }
            assertEquals(attributeLines(theirs), attributeLines(ours), "-e " + enc);
        }
    }

    /** The name=value lines of getfattr output, sorted (the file line names a different path). */
    private static java.util.List<String> attributeLines(String out) {
        return out.lines().filter(l -> !l.startsWith("#") && l.contains("=")).sorted().toList();
    }

    @Test
    void cpArchiveCarriesAttributesBetweenHostAndImages() throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("sub"));
        Path file = tree.resolve("sub/file");
        Files.writeString(file, "data");
        UserDefinedFileAttributeView host = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        try {
            host.write("origin", ByteBuffer.wrap("host".getBytes(StandardCharsets.UTF_8)));
            Files.getFileAttributeView(tree.resolve("sub"), UserDefinedFileAttributeView.class)
                    .write("dir", ByteBuffer.wrap(new byte[] {1, 2}));
        } catch (IOException e) {
            assumeTrue(false, "the host file system under " + dir + " keeps no user.* attributes: " + e);
        }
        ok("cp", "-a", tree.toString(), image + ":/");
        assertEquals("\"host\"", value(image + ":/tree/sub/file", "user.origin"));
        assertEquals("0x0102", ok("getfattr", "-n", "user.dir", "-e", "hex", image + ":/tree/sub").out().lines()
                .filter(l -> l.startsWith("user.dir=")).findFirst().orElseThrow().substring("user.dir=".length()));
        ok("setfattr", "-n", "trusted.kept", "-v", "between images", image + ":/tree/sub/file");

        String image2 = dir.resolve("second.img").toString();
        ok("mkfs", "-t", "ext2", image2, "16M");
        ok("cp", "-a", image + ":/tree", image2 + ":/");
        assertEquals("\"between images\"", value(image2 + ":/tree/sub/file", "trusted.kept"), "every namespace between images");
        assertEquals("\"host\"", value(image2 + ":/tree/sub/file", "user.origin"));

        ok("cp", "-r", image + ":/tree", image2 + ":/plain");
        assertEquals("", ok("getfattr", "-d", "-m", "-", image2 + ":/plain/sub/file").out(), "cp -r without --xattrs copies none");

        Path back = dir.resolve("back");
        CliTest.Run r = CliTest.rump("cp", "-r", "--xattrs", image + ":/tree", back.toString());
        assertTrue(r.err().contains("trusted.kept") && r.err().contains("EOPNOTSUPP"), "the host side keeps user.* only, and says so: " + r.err());
        assertEquals(1, r.status(), r.err());
        byte[] got = new byte[4];
        Files.getFileAttributeView(back.resolve("sub/file"), UserDefinedFileAttributeView.class).read("origin", ByteBuffer.wrap(got));
        assertArrayEquals("host".getBytes(StandardCharsets.UTF_8), got);
    }

    private static String value(String path, String name) {
        String out = ok("getfattr", "-n", name, path).out();
        return out.lines().filter(l -> l.startsWith(name + "=")).findFirst().orElseThrow(() -> new AssertionError(out))
                .substring(name.length() + 1);
    }
}
