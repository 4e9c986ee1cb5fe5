package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A served directory is copied once, when the plan is made, into a snapshot that every kernel
 * of the plan mounts read-only: kernels booted from one plan serve the same tree at the same
 * time, none can write it, and a file added to the host directory afterwards is not in it (a
 * kernel booted later does not copy the directory again).
 */
class ServedTreeTest {
    @TempDir
    Path dir;

    private static String read(Syscalls sys, String path) throws ErrnoException {
        int fd = sys.open(path, OpenFlags.O_RDONLY, 0);
        try {
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (sys.read(fd, b) > 0) {
                // until the end
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        } finally {
            sys.close(fd);
        }
    }

    private static RumpKernel boot(ServedTree.Plan plan) throws ErrnoException {
        RumpKernel k = plan.builder().boot();
        plan.fill(k);
        return k;
    }

    @Test
    void kernelsOfOnePlanShareOneReadOnlySnapshotTakenWhenThePlanWasMade() throws Exception {
        Files.writeString(dir.resolve("index.html"), "<h1>hi</h1>\n");
        Files.createDirectory(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/private.txt"), "secret\n");
        Files.setPosixFilePermissions(dir.resolve("sub/private.txt"), PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(dir.resolve("link.html"), Path.of("index.html"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        List<ErrnoException> problems = new ArrayList<>();
        ServedTree.Plan plan = ServedTree.plan(List.of(dir), problems::add);
        assertEquals(List.of(), problems);

        Files.writeString(dir.resolve("later.html"), "added after the plan\n");
        Files.writeString(dir.resolve("index.html"), "changed after the plan\n");

        try (RumpKernel a = boot(plan); RumpKernel b = boot(plan)) {
            for (RumpKernel k : List.of(a, b)) {
                Syscalls sys = k.sys();
                assertEquals("<h1>hi</h1>\n", read(sys, "/index.html"));
                assertEquals("<h1>hi</h1>\n", read(sys, "/link.html"));
                assertEquals("secret\n", read(sys, "/sub/private.txt"));
                assertEquals(0600, sys.stat("/sub/private.txt").perms() & 07777);
                assertEquals(0755, sys.stat("/").perms() & 0777, "the served directory itself is opened to all");
                assertTrue(sys.lstat("/link.html").isSymlink());
                ErrnoException gone = assertThrows(ErrnoException.class, () -> sys.stat("/later.html"));
                assertEquals(Errno.ENOENT, gone.errno());
                ErrnoException ro = assertThrows(ErrnoException.class,
                        () -> sys.open("/new.html", OpenFlags.O_CREAT | OpenFlags.O_WRONLY, 0644));
                assertEquals(Errno.EROFS, ro.errno(), ro.getMessage());
            }
        }
        try (RumpKernel again = boot(plan)) {
            assertEquals("<h1>hi</h1>\n", read(again.sys(), "/index.html"));
        }
    }

    @Test
    void severalDirectoriesAreMountedEachUnderItsName() throws Exception {
        Path one = Files.createDirectory(dir.resolve("one"));
        Path two = Files.createDirectory(dir.resolve("two"));
        Files.writeString(one.resolve("a.txt"), "a\n");
        Files.writeString(two.resolve("b.txt"), "b\n");
        ServedTree.Plan plan = ServedTree.plan(List.of(one, two), e -> {
            throw new AssertionError(e);
        });
        try (RumpKernel k = boot(plan)) {
            assertEquals("a\n", read(k.sys(), "/one/a.txt"));
            assertEquals("b\n", read(k.sys(), "/two/b.txt"));
        }
    }
}
