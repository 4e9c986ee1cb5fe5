package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.StatVfs;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.fs.nio.MountedImage;
import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Part four of the demo: a real disk image. jrump's mkfs makes an ext2 image, a kernel mounts
 * it and writes files, the unmount writes them back, a second kernel reads them back
 * read-only, and, when e2fsprogs is installed (found in /usr/sbin and /sbin too, as for root),
 * {@code e2fsck -fn} judges the result.
 */
final class Ext2Tour {
    private static final long SIZE = 8L << 20;
    private static final String TEXT = "Written by a rump kernel into an ext2 image.\n";
    private static final int E2FSCK_SECONDS = 60;

    private Ext2Tour() {
    }

    static void run(Transcript transcript) throws ErrnoException {
        Path dir;
        try {
            dir = Files.createTempDirectory("rump-demo-");
        } catch (IOException e) {
            throw HostSide.errno("mkdtemp", System.getProperty("java.io.tmpdir"), e);
        }
        try {
            tour(transcript, dir.resolve("demo.img"));
        } finally {
            deleteTree(dir);
        }
    }

    private static void tour(Transcript transcript, Path img) throws ErrnoException {
        transcript.section("ext2: an 8 MiB disk image made by jrump's mkfs, mounted by a kernel of its own");
        Mkfs.createImage(img, SIZE, new MkfsOptions("ext2", 0, "demo", null));
        transcript.line("mkfs -t ext2 -L demo " + img.getFileName() + " 8M: done");
        try (MountedImage m = MountedImage.open(img, 0, null, false)) {
            transcript.line("mounted " + m.type() + " (label '" + m.label() + "') as the root of " + m.kernel().name());
            Traced root = new Traced(m.sys(), transcript, "pid 1");
            root.mkdir("/docs", 0755);
            root.writeFile("/docs/readme.txt", 0644, TEXT);
            root.symlink("docs/readme.txt", "/readme");
            root.readdir("/");
            StatVfs s = m.sys().statvfs("/");
            transcript.line("statvfs: " + s.bfree() + " of " + s.blocks() + " blocks free, " + s.ffree() + " of " + s.files()
                    + " inodes free");
        }
        transcript.line("unmounted: everything written back to " + img.getFileName());
        try (MountedImage again = MountedImage.open(img, 0, null, true)) {
            Traced reader = new Traced(again.sys(), transcript, "pid 1, second kernel, read-only");
            String back = reader.readFile("/readme");
            FileTour.check(back.equals(TEXT), "the image gave back " + Transcript.quote(back) + ", not what was written");
        }
        transcript.line(fsck(img));
    }

    /** What e2fsck says about the image; its verdict is checked, its absence only noted. */
    private static String fsck(Path img) {
        if (HostTools.find("e2fsck").isEmpty()) {
            return HostTools.notInstalled("e2fsck", "e2fsprogs") + ": image check skipped";
        }
        Process p;
        try {
            p = HostTools.processBuilder(List.of("e2fsck", "-fn", img.toString())).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new Transcript.UnexpectedResult("e2fsck -fn could not be started: " + e.getMessage(), e);
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(E2FSCK_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new Transcript.UnexpectedResult("e2fsck -fn did not finish in " + E2FSCK_SECONDS + " s", null);
            }
            FileTour.check(p.exitValue() == 0, "e2fsck -fn found problems (exit " + p.exitValue() + "):\n" + out);
            return "e2fsck -fn " + img.getFileName() + ": clean (exit 0)";
        } catch (IOException e) {
            throw new Transcript.UnexpectedResult("reading e2fsck's output failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Transcript.UnexpectedResult("interrupted while e2fsck ran", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind is no reason to fail the demo
        }
    }
}
