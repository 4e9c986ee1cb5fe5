package io.jrump.cli;

import static io.jrump.cli.Transcript.octal;
import static io.jrump.cli.Transcript.openFlags;
import static io.jrump.cli.Transcript.quote;

import io.jrump.api.DirEntry;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.OpenFlags;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The system calls of one process (or one thread of it), each printed to a {@link Transcript}
 * as it runs. Only the calls the demo makes, with text rather than buffers for data.
 */
final class Traced {
    private final Syscalls sys;
    private final Transcript transcript;
    private final String who;

    Traced(Syscalls sys, Transcript transcript, String who) {
        this.sys = sys;
        this.transcript = transcript;
        this.who = who;
    }

    /** The same process, printed under another name (a thread of it, say). */
    Traced as(String otherWho) {
        return new Traced(sys, transcript, otherWho);
    }

    void mkdir(String path, int mode) throws ErrnoException {
        transcript.call(who, "mkdir(" + quote(path) + ", " + octal(mode) + ")", () -> sys.mkdir(path, mode));
    }

    int open(String path, int flags, int mode) throws ErrnoException {
        String args = quote(path) + ", " + openFlags(flags) + ((flags & OpenFlags.O_CREAT) != 0 ? ", " + octal(mode) : "");
        return transcript.call(who, "open(" + args + ")", () -> sys.open(path, flags, mode), String::valueOf);
    }

    int write(int fd, String text) throws ErrnoException {
        ByteBuffer data = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        int length = data.remaining();
        return transcript.call(who, "write(" + fd + ", " + quote(text) + ", " + length + ")", () -> sys.write(fd, data), String::valueOf);
    }

    /** One read of at most {@code max} bytes; returns the text read, empty at end of file. */
    String read(int fd, int max) throws ErrnoException {
        ByteBuffer buf = ByteBuffer.allocate(max);
        int n = transcript.call(who, "read(" + fd + ", buf, " + max + ")", () -> sys.read(fd, buf),
                count -> count + (count > 0 ? " " + quote(buf.duplicate().flip()) : " (end of file)"));
        return new String(buf.array(), 0, n, StandardCharsets.UTF_8);
    }

    void close(int fd) throws ErrnoException {
        transcript.call(who, "close(" + fd + ")", () -> sys.close(fd));
    }

    Stat stat(String path) throws ErrnoException {
        return transcript.call(who, "stat(" + quote(path) + ")", () -> sys.stat(path), Modes::brief);
    }

    Stat lstat(String path) throws ErrnoException {
        return transcript.call(who, "lstat(" + quote(path) + ")", () -> sys.lstat(path), Modes::brief);
    }

    List<DirEntry> readdir(String path) throws ErrnoException {
        return transcript.call(who, "readdir(" + quote(path) + ")", () -> sys.readdir(path), Traced::entries);
    }

    void rename(String from, String to) throws ErrnoException {
        transcript.call(who, "rename(" + quote(from) + ", " + quote(to) + ")", () -> sys.rename(from, to));
    }

    void symlink(String target, String linkPath) throws ErrnoException {
        transcript.call(who, "symlink(" + quote(target) + ", " + quote(linkPath) + ")", () -> sys.symlink(target, linkPath));
    }

    String readlink(String path) throws ErrnoException {
        return transcript.call(who, "readlink(" + quote(path) + ")", () -> sys.readlink(path), Transcript::quote);
    }

    void chmod(String path, int mode) throws ErrnoException {
        transcript.call(who, "chmod(" + quote(path) + ", " + octal(mode) + ")", () -> sys.chmod(path, mode));
    }

    void chown(String path, int uid, int gid) throws ErrnoException {
        transcript.call(who, "chown(" + quote(path) + ", " + uid + ", " + gid + ")", () -> sys.chown(path, uid, gid));
    }

    int[] pipe() throws ErrnoException {
        return transcript.call(who, "pipe()", sys::pipe, Arrays::toString);
    }

    /** Creates (or truncates) a file and writes {@code text} to it: open, write, close. */
    void writeFile(String path, int mode, String text) throws ErrnoException {
        int fd = open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, mode);
        write(fd, text);
        close(fd);
    }

    /** Reads a whole (small) file: open, read until end of file, close. */
    String readFile(String path) throws ErrnoException {
        int fd = open(path, OpenFlags.O_RDONLY, 0);
        StringBuilder text = new StringBuilder();
        for (String chunk = read(fd, 4096); !chunk.isEmpty(); chunk = read(fd, 4096)) {
            text.append(chunk);
        }
        close(fd);
        return text.toString();
    }

    /** A call that must fail with {@code expected}; see {@link Transcript#fails}. */
    void fails(Errno expected, String call, Transcript.VoidCall body) {
        transcript.fails(who, call, expected, body);
    }

    Syscalls sys() {
        return sys;
    }

    /** Directory entries as {@code ls -F} marks them: {@code [., .., old/, link@, greeting.txt]}. */
    private static String entries(List<DirEntry> list) {
        return list.stream().map(e -> e.name().equals(".") || e.name().equals("..") ? e.name() : e.name() + switch (e.type()) {
            case FileMode.DT_DIR -> "/";
            case FileMode.DT_LNK -> "@";
            case FileMode.DT_FIFO -> "|";
            default -> "";
        }).collect(Collectors.joining(", ", "[", "]"));
    }
}
