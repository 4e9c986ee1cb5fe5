package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cp -r} out of a kernel looks each regular file up once: a file its directory lists as
 * regular is opened (O_NOFOLLOW) and stat'ed through the open file, never {@code lstat}ed
 * first; links, directories and special files are still {@code lstat}ed, and everything is
 * copied as before.
 */
class TreeCopierLookupsTest {
    private static final int FILES = 40;

    @TempDir
    Path tmp;

    /** {@code side} with a count of each method called on it. */
    private static FileSide counting(FileSide side, Map<String, AtomicInteger> calls) {
        return (FileSide) Proxy.newProxyInstance(FileSide.class.getClassLoader(), new Class<?>[] {FileSide.class}, (proxy, m, args) -> {
            calls.computeIfAbsent(m.getName(), n -> new AtomicInteger()).incrementAndGet();
            try {
                return m.invoke(side, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    private static void write(Syscalls sys, String path, String text) throws ErrnoException {
        int fd = sys.open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0640);
        sys.write(fd, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        sys.close(fd);
    }

    @Test
    void regularFilesAreOpenedWithoutAStatFirst() throws Exception {
        try (RumpKernel k = Rump.builder().boot()) {
            Syscalls sys = k.sys();
            sys.mkdir("/t", 0755);
            sys.mkdir("/t/sub", 0750);
            for (int i = 0; i < FILES; i++) {
                write(sys, "/t/f" + i, "file " + i);
            }
            write(sys, "/t/sub/inner", "inner");
            sys.symlink("f0", "/t/link");
            sys.mkfifo("/t/fifo", 0600);

            Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
            FileSide from = counting(new ImageSide("k", sys), calls);
            List<ErrnoException> problems = new ArrayList<>();
            ByteProgress quiet = new ByteProgress(new PrintWriter(new StringWriter()), "copying", 0, false);
            Path out = tmp.resolve("out");
            new TreeCopier(from, new HostSide(), new TreeCopier.Options(true, false, false), quiet, problems::add)
                    .copy("/t", out.toString());

            assertTrue(problems.isEmpty(), "problems: " + problems);
            for (int i = 0; i < FILES; i++) {
                assertEquals("file " + i, Files.readString(out.resolve("f" + i)));
            }
            assertEquals("inner", Files.readString(out.resolve("sub/inner")));
            assertEquals("f0", Files.readSymbolicLink(out.resolve("link")).toString());
            assertTrue(Files.exists(out.resolve("fifo"), java.nio.file.LinkOption.NOFOLLOW_LINKS), "the FIFO is made");
            // lstat: the subdirectory, the link and the FIFO only; stat: the top of the copy
            assertEquals(3, count(calls, "lstat"), "lstat calls: " + calls);
            assertEquals(1, count(calls, "stat"), "stat calls: " + calls);
            assertEquals(FILES + 1, count(calls, "openFile"), "files opened by their entries: " + calls);
            assertEquals(0, count(calls, "openRead"), "no file opened by a second lookup: " + calls);
        }
    }

    private static int count(Map<String, AtomicInteger> calls, String name) {
        AtomicInteger n = calls.get(name);
        return n == null ? 0 : n.get();
    }
}
