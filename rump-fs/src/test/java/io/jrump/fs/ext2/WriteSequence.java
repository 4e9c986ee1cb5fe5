package io.jrump.fs.ext2;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The fixed writes the corruption campaign runs on every mounted image, touching what a
 * damaged image can have damaged: new files small and large (several MiB, so the allocator
 * hands out many blocks and, after the unlinks, reuses freed ones), an append and an overwrite
 * of existing files, the issue's {@code rump cp} over {@code /small.txt} (truncate and rewrite),
 * directories made and removed, entries added to existing directories, a rename, unlinks and
 * a truncate of existing files (so their maps are freed), short and long symlinks, a hard link.
 *
 * <p>Each step may fail with an {@link ErrnoException} (damage found: EUCLEAN, EIO, then EROFS
 * once the mount has turned read-only; ENOSPC); the next step runs anyway. Anything else
 * thrown is not caught: the campaign counts it as a failure.
 */
final class WriteSequence {
    /** The pre-existing paths the sequence changes; they must be in the base tree. */
    static final String SMALL = "/small.txt";
    static final String APPENDED = "/data-12289";
    static final String OVERWRITTEN = "/data-307200";
    static final String UNLINKED = "/data-1126400";
    static final String HARD_LINK = "/a/hard-2";
    static final String LINKED = "/data-4096";
    static final String DEEP_FILE = "/a/b/c/d/deep.txt";
    static final String DEEP_DIR = "/a/b/c/d";
    static final String OTHER_DIR = "/a/b";
    private static final int CHUNK = 64 * 1024;

    private final Syscalls sys;
    private final String mnt;
    /** Step name to "ok" or the errno it failed with, in order. */
    private final Map<String, String> outcomes = new LinkedHashMap<>();

    private interface Step {
        void run() throws ErrnoException;
    }

    private WriteSequence(Syscalls sys, String mnt) {
        this.sys = sys;
        this.mnt = mnt;
    }

    /** Runs every step on the file system mounted at {@code mnt}; returns each step's outcome. */
    static Map<String, String> run(Syscalls sys, String mnt) {
        WriteSequence w = new WriteSequence(sys, mnt);
        w.all();
        return w.outcomes;
    }

    private void step(String name, Step s) {
        try {
            s.run();
            outcomes.put(name, "ok");
        } catch (ErrnoException e) {
            outcomes.put(name, e.errno().name());
        }
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void write(String path, int flags, long offset, int length, long seed) throws ErrnoException {
        int fd = sys.open(mnt + path, flags, 0644);
        try {
            byte[] data = bytes(Math.min(length, CHUNK), seed);
            for (int done = 0; done < length; ) {
                int n = Math.min(CHUNK, length - done);
                ByteBuffer b = ByteBuffer.wrap(data, 0, n);
                int wrote = offset >= 0 ? sys.pwrite(fd, b, offset + done) : sys.write(fd, b);
                if (wrote <= 0) {
                    throw new ErrnoException(Errno.EIO, "write", path, "wrote " + wrote);
                }
                done += wrote;
            }
        } finally {
            closeQuietly(fd);
        }
    }

    private void closeQuietly(int fd) {
        try {
            sys.close(fd);
        } catch (ErrnoException e) {
            outcomes.merge("close", e.errno().name(), (a, b) -> a);
        }
    }

    private static final int CREATE = OpenFlags.O_CREAT | OpenFlags.O_WRONLY | OpenFlags.O_EXCL;

    private void all() {
        step("create small", () -> write("/new-small", CREATE, -1, 100, 1));
        step("create 3 MiB", () -> write("/new-big", CREATE, -1, 3 << 20, 2));
        step("cp over " + SMALL, () -> write(SMALL, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC, -1, 200 * 1024, 3));
        step("append " + APPENDED, () -> write(APPENDED, OpenFlags.O_WRONLY | OpenFlags.O_APPEND, -1, 5000, 4));
        step("overwrite " + OVERWRITTEN, () -> write(OVERWRITTEN, OpenFlags.O_WRONLY, 100_000, 8192, 5));
        step("mkdir /newdir", () -> sys.mkdir(mnt + "/newdir", 0755));
        step("fill /newdir", () -> {
            for (int i = 0; i < 60; i++) {
                write("/newdir/entry-with-a-longer-name-" + i, CREATE, -1, 100 + i * 50, 100 + i);
            }
        });
        step("create in " + OTHER_DIR, () -> write(OTHER_DIR + "/new-in-b", CREATE, -1, 2000, 6));
        step("create in /", () -> {
            for (int i = 0; i < 20; i++) {
                write("/root-entry-" + i, CREATE, -1, 10, 200 + i);
            }
        });
        step("rename", () -> sys.rename(mnt + "/new-small", mnt + "/newdir/renamed"));
        step("unlink " + UNLINKED, () -> sys.unlink(mnt + UNLINKED));
        step("unlink " + HARD_LINK, () -> sys.unlink(mnt + HARD_LINK));
        step("truncate " + OVERWRITTEN, () -> sys.truncate(mnt + OVERWRITTEN, 5000));
        step("unlink " + DEEP_FILE, () -> sys.unlink(mnt + DEEP_FILE));
        step("rmdir " + DEEP_DIR, () -> sys.rmdir(mnt + DEEP_DIR));
        step("mkdir+rmdir", () -> {
            sys.mkdir(mnt + "/newdir2", 0700);
            sys.rmdir(mnt + "/newdir2");
        });
        step("symlink", () -> sys.symlink("data-1", mnt + "/new-link"));
        step("long symlink", () -> sys.symlink("t/".repeat(100), mnt + "/new-long-link"));
        step("link", () -> sys.link(mnt + LINKED, mnt + "/newdir/hard"));
        step("create 2 MiB", () -> write("/new-big2", CREATE, -1, 2 << 20, 7));
        step("unlink new", () -> sys.unlink(mnt + "/new-big"));
        step("create 1 MiB", () -> write("/new-big3", CREATE, -1, 1 << 20, 8));
    }
}
