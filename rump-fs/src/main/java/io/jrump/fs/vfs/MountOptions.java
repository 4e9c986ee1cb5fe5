package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code data} argument of {@code mount}, "size=1m,mode=0755,ro": comma-separated
 * {@code key=value} pairs or bare flags, as mount(8) takes them with {@code -o}. A file
 * system type reads what it knows and calls {@link #rejectUnknown} so a typo is an EINVAL
 * rather than a silently ignored option.
 */
public final class MountOptions {
    private final Map<String, String> values;

    private MountOptions(Map<String, String> values) {
        this.values = values;
    }

    /** Parses {@code data}; null or empty means no options. EINVAL for an empty key. */
    public static MountOptions parse(String data) throws ErrnoException {
        if (data == null || data.isEmpty()) {
            return new MountOptions(Map.of());
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (String item : data.split(",", -1)) {
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            String key = eq < 0 ? item : item.substring(0, eq);
            if (key.isEmpty()) {
                throw new ErrnoException(Errno.EINVAL, "mount option without a name: '" + item + "'");
            }
            map.put(key, eq < 0 ? "" : item.substring(eq + 1));
        }
        return new MountOptions(Collections.unmodifiableMap(map));
    }

    public String get(String key) {
        return values.get(key);
    }

    /** A byte count with an optional k/m/g/t suffix (powers of 1024), as tmpfs's {@code size=}. */
    public long size(String key, long defaultValue) throws ErrnoException {
        String v = values.get(key);
        return v == null ? defaultValue : parseSize(key, v);
    }

    /** A non-negative decimal number. */
    public long number(String key, long defaultValue) throws ErrnoException {
        return parse(key, defaultValue, 10);
    }

    /** A non-negative octal number, as modes are written ("1777", "0755"). */
    public long octal(String key, long defaultValue) throws ErrnoException {
        return parse(key, defaultValue, 8);
    }

    private long parse(String key, long defaultValue, int radix) throws ErrnoException {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            long n = Long.parseLong(v, radix);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ErrnoException(Errno.EINVAL, "mount option " + key + ": not a " + (radix == 8 ? "octal " : "") + "number: '" + v + "'");
        }
    }

    /** EINVAL naming the first option not among {@code known}. */
    public void rejectUnknown(String... known) throws ErrnoException {
        outer:
        for (String key : values.keySet()) {
            for (String k : known) {
                if (k.equals(key)) {
                    continue outer;
                }
            }
            throw new ErrnoException(Errno.EINVAL, "unknown mount option '" + key + "'");
        }
    }

    /** Parses "64m", "1g", "4096": EINVAL when malformed, negative or beyond a long. */
    public static long parseSize(String what, String text) throws ErrnoException {
        String t = text.trim();
        long unit = 1;
        if (!t.isEmpty()) {
            switch (Character.toLowerCase(t.charAt(t.length() - 1))) {
                case 'k' -> unit = 1L << 10;
                case 'm' -> unit = 1L << 20;
                case 'g' -> unit = 1L << 30;
                case 't' -> unit = 1L << 40;
                default -> unit = 1;
            }
            if (unit != 1) {
                t = t.substring(0, t.length() - 1);
            }
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ErrnoException(Errno.EINVAL, what + ": not a size: '" + text + "'");
        }
    }
}
