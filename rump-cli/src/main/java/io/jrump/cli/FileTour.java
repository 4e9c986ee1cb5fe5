package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.RumpKernel;

/** Part one of the demo: files on tmpfs through the system calls of process 1. */
final class FileTour {
    static final String GREETING = "Hello from a rump kernel in the JVM.\n";

    private FileTour() {
    }

    static void run(RumpKernel kernel, Transcript transcript) throws ErrnoException {
        transcript.section("files: one kernel (" + kernel.name() + ", platform " + kernel.platformName()
                + ", components " + kernel.components() + "), process 1 as root");
        Traced root = new Traced(kernel.sys(), transcript, "pid 1");

        root.mkdir("/data", 0755);
        int fd = root.open("/data/hello.txt", OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, 0644);
        root.write(fd, GREETING);
        root.close(fd);
        String back = root.readFile("/data/hello.txt");
        check(back.equals(GREETING), "read back " + Transcript.quote(back) + ", wrote " + Transcript.quote(GREETING));
        long size = root.stat("/data/hello.txt").size();
        check(size == GREETING.length(), "stat size " + size + ", wrote " + GREETING.length() + " bytes");

        root.mkdir("/data/old", 0755);
        root.rename("/data/hello.txt", "/data/greeting.txt");
        root.fails(Errno.ENOENT, "stat(\"/data/hello.txt\")", () -> kernel.sys().stat("/data/hello.txt"));
        root.symlink("greeting.txt", "/data/link");
        root.readlink("/data/link");
        check(root.lstat("/data/link").isSymlink(), "lstat of a symbolic link is not a link");
        check(root.readFile("/data/link").equals(GREETING), "reading through the link gave other bytes");
        root.readdir("/data");
    }

    /** A result the kernel got wrong: the demo stops with a message rather than going on. */
    static void check(boolean ok, String problem) {
        if (!ok) {
            throw new Transcript.UnexpectedResult(problem, null);
        }
    }
}
