package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command line as a user meets it: exit statuses, help, version, and how failures are reported. */
class CliTest {

    /** Exit status and both streams of one run. */
    record Run(int status, String out, String err) {
    }

    static Run run(CommandLine cli, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    static Run rump(String... args) {
        return run(Main.commandLine(), args);
    }

    /** A run that must succeed; a failure names the command and shows both streams. */
    static Run rumpOk(String... args) {
        Run r = rump(args);
        assertEquals(0, r.status(), String.join(" ", args) + ":\n" + r.out() + r.err());
        return r;
    }

    /**
     * Makes an ext2 image of {@code size} at {@code dir}/disk.img and copies {@code tree} into
     * it at /tree with {@code cp -a} (modes exactly); the image's path.
     */
    static String imageWithTree(Path dir, Path tree, String size) {
        String image = dir.resolve("disk.img").toString();
        rumpOk("mkfs", "-t", "ext2", image, size);
        rumpOk("cp", "-a", tree.toString(), image + ":/tree");
        return image;
    }

    /** How {@link #listing} describes one entry from its path and its mode (links not followed). */
    interface Describe {
        String of(Path p, int mode) throws IOException;
    }

    /** Every entry below {@code root} (itself as ""), by relative path, as {@code describe} has it; links not followed. */
    static Map<String, String> listing(Path root, Describe describe) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                m.put(root.relativize(p).toString(), describe.of(p, mode));
            }
        }
        return m;
    }

    @Test
    void helpListsTheCommands() {
        Run r = rump("--help");
        assertEquals(0, r.status());
        assertTrue(r.out().contains("Usage: rump"), r.out());
        assertTrue(r.out().contains("demo"), r.out());
        assertTrue(r.out().contains("version"), r.out());
    }

    @Test
    void noCommandIsAUsageError() {
        Run r = rump();
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Missing command"), r.err());
    }

    @Test
    void unknownOptionsAndCommandsAreUsageErrors() {
        assertEquals(2, rump("--frobnicate").status());
        assertEquals(2, rump("frobnicate").status());
        Run r = rump("demo", "--kernels", "-5");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--kernels must not be negative"), r.err());
        assertEquals(2, rump("demo", "--kernels", "many").status());
    }

    @Test
    void versionNamesJavaAndThePlatforms() {
        Run r = rump("version");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("jrump "), r.out());
        assertTrue(r.out().contains("Java " + Runtime.version()), r.out());
        assertTrue(r.out().contains("platforms:"), r.out());
        assertTrue(r.out().contains("host"), "the host platform is always there: " + r.out());
        assertTrue(r.out().contains("vfs"), "rump-fs is on the class path: " + r.out());
        Run v = rump("--version");
        assertEquals(0, v.status());
        assertTrue(v.out().startsWith("jrump "), v.out());
    }

    @Command(name = "failing")
    static final class Failing implements Callable<Integer> {
        private final Exception toThrow;

        Failing(Exception toThrow) {
            this.toThrow = toThrow;
        }

        @Override
        public Integer call() throws Exception {
            throw toThrow;
        }
    }

    @Test
    void anErrnoIsOneLineNamingCallPathAndErrnoWithStatusOne() {
        ErrnoException e = new ErrnoException(Errno.ENOENT, "open", "/data/missing", null);
        Run r = run(Main.configure(new CommandLine(new Failing(e))));
        assertEquals(1, r.status());
        assertEquals("failing: open /data/missing: ENOENT (No such file or directory)", r.err().strip());
    }

    @Test
    void aBugGetsItsStackTrace() {
        Run r = run(Main.configure(new CommandLine(new Failing(new IllegalStateException("oops")))));
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("failing: internal error: java.lang.IllegalStateException: oops"), r.err());
        assertTrue(r.err().contains("\tat "), "stack trace: " + r.err());
    }

    @Test
    void demoRunsEveryPartAndChecksIt() {
        Run r = rump("demo", "--kernels", "50", "--no-progress");
        assertEquals(0, r.status(), r.out() + r.err());
        String out = r.out();
        for (String expected : new String[] {
            "mkdir(\"/data\", 0755) = 0",
            "open(\"/data/hello.txt\", O_WRONLY|O_CREAT|O_EXCL, 0644) = ",
            "readlink(\"/data/link\") = \"greeting.txt\"",
            "open(\"/secret.txt\", O_RDONLY) = -1 EACCES (Permission denied)",
            "chmod(\"/secret.txt\", 0644) = -1 EPERM (Operation not permitted)",
            "[pid 1 writer] write(",
            "[pid 1 reader] read(",
            "(end of file)",
            "50 kernels",
            "retained heap: ",
            "threads: ",
            "closed 50 kernels",
            "demo done"}) {
            assertTrue(out.contains(expected), () -> "missing '" + expected + "' in:\n" + out);
        }
        assertFalse(out.contains("\r"), "no progress line when not asked for");
        assertEquals("", r.err());
    }

    @Test
    void progressIsDrawnWhenAskedFor() {
        Run r = rump("demo", "--kernels", "200", "--progress");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\rbooting kernels: 200/200"), r.out());
    }
}
