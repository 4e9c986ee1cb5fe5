package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.ArrayDeque;

/**
 * Checks path names and splits them into components. Limits are counted in bytes of the
 * UTF-8 encoding, because that is what the names would occupy in a directory on disk and
 * what a C program sees; a Java {@code String} length would let multi-byte names slip past.
 *
 * <p>Limits from POSIX {@code <limits.h>} (NetBSD {@code sys/syslimits.h}): {@code PATH_MAX}
 * 4096 bytes including the terminating NUL, {@code NAME_MAX} 255 bytes.
 */
final class PathName {
    static final int PATH_MAX = 4096;
    static final int NAME_MAX = 255;

    private PathName() {
    }

    /** Rejects what no lookup could succeed on: null (EFAULT), empty (ENOENT), NUL (EINVAL), too long. */
    static void check(String path) throws ErrnoException {
        if (path == null) {
            throw new ErrnoException(Errno.EFAULT, "null path");
        }
        if (path.isEmpty()) {
            throw new ErrnoException(Errno.ENOENT, "empty path");
        }
        if (path.indexOf('\0') >= 0) {
            throw new ErrnoException(Errno.EINVAL, "NUL in path");
        }
        if (utf8Length(path, 0, path.length()) >= PATH_MAX) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "path longer than " + (PATH_MAX - 1) + " bytes");
        }
    }

    /** ENAMETOOLONG when one component is longer than {@link #NAME_MAX} bytes. */
    static void checkName(String name) throws ErrnoException {
        if (name.length() > NAME_MAX / 3 && utf8Length(name, 0, name.length()) > NAME_MAX) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "name longer than " + NAME_MAX + " bytes");
        }
    }

    static boolean isAbsolute(String path) {
        return !path.isEmpty() && path.charAt(0) == '/';
    }

    /** Whether the path ends in '/' after a component ("a/" but not "/"), which demands a directory. */
    static boolean hasTrailingSlash(String path) {
        int end = path.length();
        if (end == 0 || path.charAt(end - 1) != '/') {
            return false;
        }
        for (int i = 0; i < end; i++) {
            if (path.charAt(i) != '/') {
                return true;
            }
        }
        return false;
    }

    /** Appends the non-empty components of {@code path}, in order, to the end of {@code out}. */
    static void split(String path, ArrayDeque<String> out) throws ErrnoException {
        int n = path.length();
        int i = 0;
        while (i < n) {
            while (i < n && path.charAt(i) == '/') {
                i++;
            }
            int start = i;
            while (i < n && path.charAt(i) != '/') {
                i++;
            }
            if (i > start) {
                String name = path.substring(start, i);
                checkName(name);
                out.addLast(name);
            }
        }
    }

    /** Components of {@code path} placed before the ones already in {@code rest} (a symbolic link's target). */
    static void prepend(String path, ArrayDeque<String> rest) throws ErrnoException {
        ArrayDeque<String> head = new ArrayDeque<>();
        split(path, head);
        while (!head.isEmpty()) {
            rest.addFirst(head.pollLast());
        }
    }

    static boolean isDotOrDotDot(String name) {
        return name.equals(".") || name.equals("..");
    }

    /** Bytes the UTF-8 encoding of {@code s[from, to)} takes; a lone surrogate counts as the 3 bytes of U+FFFD. */
    static int utf8Length(String s, int from, int to) {
        int bytes = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
