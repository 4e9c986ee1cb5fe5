package io.jrump.net.http;

/**
 * A single byte range of a representation (RFC 9110 14.1.2): {@code first} to {@code last}
 * inclusive. {@link #parse} reads a Range field against the file's size: {@code null} means
 * "send the whole file" (no field, another unit, several ranges, or a malformed field, which
 * RFC 9110 14.2 lets a server ignore), {@link #UNSATISFIABLE} means 416.
 */
record ByteRange(long first, long last) {
    static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

    long length() {
        return last - first + 1;
    }

    static ByteRange parse(String field, long size) {
        if (field == null) {
            return null;
        }
        String f = field.trim();
        if (f.length() < 7 || !f.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = f.substring(6).trim();
        if (spec.indexOf(',') >= 0) {
            return null; // several ranges: the whole file, which a client must accept
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).trim();
        String b = spec.substring(dash + 1).trim();
        long first = number(a);
        long last = number(b);
        if (a.isEmpty()) {
            if (last < 0 || b.isEmpty()) {
                return null;
            }
            if (last == 0 || size == 0) {
                return UNSATISFIABLE; // a suffix of zero bytes, or any suffix of an empty file
            }
            return new ByteRange(Math.max(0, size - last), size - 1);
        }
        if (first < 0 || (!b.isEmpty() && (last < 0 || last < first))) {
            return null;
        }
        if (first >= size) {
            return UNSATISFIABLE;
        }
        return new ByteRange(first, b.isEmpty() ? size - 1 : Math.min(last, size - 1));
    }

    /** A decimal of at most 18 digits, or -1 (empty or not a number). */
    private static long number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }
}
