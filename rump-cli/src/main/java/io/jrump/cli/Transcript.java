package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.StringJoiner;
import java.util.function.Function;

/**
 * Prints system calls the way {@code strace} does, as they run: {@code [pid 1] mkdir("/data",
 * 0755) = 0}, or {@code = -1 EACCES (Permission denied)} when one fails. Used by the demo to
 * narrate what it does; safe to use from several threads (a line is printed whole).
 */
final class Transcript {
    /** A system call that returns something. */
    @FunctionalInterface
    interface Call<T> {
        T run() throws ErrnoException;
    }

    /** A system call that returns nothing. */
    @FunctionalInterface
    interface VoidCall {
        void run() throws ErrnoException;
    }

    /** Thrown when a call that should have failed succeeded, or failed differently: the demo found a bug. */
    static final class UnexpectedResult extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnexpectedResult(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final PrintWriter out;

    Transcript(PrintWriter out) {
        this.out = out;
    }

    /** A heading for a part of the transcript. */
    void section(String title) {
        line("");
        line("== " + title);
    }

    /** A free-form remark, indented under the calls. */
    void note(String text) {
        line("   # " + text);
    }

    synchronized void line(String text) {
        out.println(text);
        out.flush();
    }

    /** Runs a call and prints it with its result; a failure is printed, then thrown. */
    <T> T call(String who, String call, Call<T> body, Function<? super T, String> result) throws ErrnoException {
        T value;
        try {
            value = body.run();
        } catch (ErrnoException e) {
            line(prefix(who) + call + " = -1 " + errno(e.errno()));
            throw e;
        }
        line(prefix(who) + call + " = " + result.apply(value));
        return value;
    }

    /** Runs a call that returns nothing, printed as {@code = 0}. */
    void call(String who, String call, VoidCall body) throws ErrnoException {
        call(who, call, () -> {
            body.run();
            return null;
        }, v -> "0");
    }

    /** Runs a call that must fail with {@code expected}; prints the failure. Anything else is an {@link UnexpectedResult}. */
    void fails(String who, String call, Errno expected, VoidCall body) {
        try {
            body.run();
        } catch (ErrnoException e) {
            if (e.errno() == expected) {
                line(prefix(who) + call + " = -1 " + errno(e.errno()));
                return;
            }
            throw new UnexpectedResult(call + ": expected " + expected + " but got " + e.getMessage(), e);
        }
        throw new UnexpectedResult(call + ": expected " + expected + " but the call succeeded", null);
    }

    private static String prefix(String who) {
        return "[" + who + "] ";
    }

    private static String errno(Errno e) {
        return e.name() + " (" + e.description() + ")";
    }

    // ---- rendering of arguments ----

    /** A string argument in C syntax, shortened after 40 characters like strace's -s. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        int limit = Math.min(s.length(), 40);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
        if (s.length() > limit) {
            sb.append("...");
        }
        return sb.toString();
    }

    /** The bytes between a buffer's position and limit as a quoted string, without moving the buffer. */
    static String quote(ByteBuffer data) {
        ByteBuffer d = data.duplicate();
        byte[] bytes = new byte[d.remaining()];
        d.get(bytes);
        return quote(new String(bytes, StandardCharsets.UTF_8));
    }

    /** A permission mode in octal, as C source writes it: 0644. */
    static String octal(int mode) {
        return "0" + Integer.toOctalString(mode);
    }

    /** Open flags as C source writes them: O_WRONLY|O_CREAT|O_EXCL. */
    static String openFlags(int flags) {
        StringJoiner j = new StringJoiner("|");
        switch (flags & OpenFlags.O_ACCMODE) {
            case OpenFlags.O_WRONLY -> j.add("O_WRONLY");
            case OpenFlags.O_RDWR -> j.add("O_RDWR");
            default -> j.add("O_RDONLY");
        }
        int rest = flags & ~OpenFlags.O_ACCMODE;
        String[] names = {"O_CREAT", "O_EXCL", "O_TRUNC", "O_APPEND", "O_NONBLOCK", "O_DIRECTORY", "O_NOFOLLOW", "O_CLOEXEC"};
        int[] bits = {OpenFlags.O_CREAT, OpenFlags.O_EXCL, OpenFlags.O_TRUNC, OpenFlags.O_APPEND, OpenFlags.O_NONBLOCK,
            OpenFlags.O_DIRECTORY, OpenFlags.O_NOFOLLOW, OpenFlags.O_CLOEXEC};
        for (int i = 0; i < names.length; i++) {
            if ((rest & bits[i]) != 0) {
                j.add(names[i]);
                rest &= ~bits[i];
            }
        }
        if (rest != 0) {
            j.add("0" + Integer.toOctalString(rest));
        }
        return j.toString();
    }
}
