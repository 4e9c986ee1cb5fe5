package io.jrump.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Syscalls;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** Small helpers over the public system calls, shared by the file system suites. */
public final class FsAssert {
    private FsAssert() {
    }

    /** Asserts that {@code call} fails with exactly {@code errno}. */
    public static ErrnoException assertErrno(Errno errno, Executable call) {
        ErrnoException e = assertThrows(ErrnoException.class, call);
        assertEquals(errno, e.errno(), e.getMessage());
        return e;
    }

    public static ErrnoException assertErrno(Errno errno, Executable call, String why) {
        ErrnoException e = assertThrows(ErrnoException.class, call, why);
        assertEquals(errno, e.errno(), why + ": " + e.getMessage());
        return e;
    }

    /** Creates or replaces {@code path} with {@code data}. */
    public static void writeFile(Syscalls sys, String path, byte[] data) throws ErrnoException {
        writeFile(sys, path, data, OpenFlags.O_TRUNC);
    }

    /** Writes {@code data} to {@code path}, created if missing, opened with {@code O_WRONLY | O_CREAT | flags}. */
    public static void writeFile(Syscalls sys, String path, byte[] data, int flags) throws ErrnoException {
        int fd = sys.open(path, OpenFlags.O_CREAT | OpenFlags.O_WRONLY | flags, 0644);
        try {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                sys.write(fd, b);
            }
        } finally {
            sys.close(fd);
        }
    }

    public static byte[] readFile(Syscalls sys, String path) throws ErrnoException {
        int fd = sys.open(path, OpenFlags.O_RDONLY);
        try {
            return readAll(sys, fd);
        } finally {
            sys.close(fd);
        }
    }

    /** Reads from the descriptor's offset to the end. */
    public static byte[] readAll(Syscalls sys, int fd) throws ErrnoException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (true) {
            b.clear();
            int n = sys.read(fd, b);
            if (n <= 0) {
                return out.toByteArray();
            }
            out.write(b.array(), 0, n);
        }
    }

    public static int pwrite(Syscalls sys, int fd, byte[] data, long offset) throws ErrnoException {
        return sys.pwrite(fd, ByteBuffer.wrap(data), offset);
    }

    public static byte[] pread(Syscalls sys, int fd, int length, long offset) throws ErrnoException {
        ByteBuffer b = ByteBuffer.allocate(length);
        int n = sys.pread(fd, b, offset);
        byte[] out = new byte[Math.max(n, 0)];
        b.flip();
        b.get(out);
        return out;
    }

    /** The names in a directory, without "." and "..". */
    public static List<String> names(Syscalls sys, String dir) throws ErrnoException {
        List<String> out = new ArrayList<>();
        for (DirEntry e : sys.readdir(dir)) {
            if (!e.name().equals(".") && !e.name().equals("..")) {
                out.add(e.name());
            }
        }
        return out;
    }

    public static byte[] bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + (i >>> 8));
        }
        return b;
    }

    public static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }
}
