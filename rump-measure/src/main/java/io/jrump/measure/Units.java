package io.jrump.measure;

import java.util.Locale;

/** Human-readable durations and sizes with three significant digits: {@code 48.2 µs}, {@code 17.5 KiB}. */
public final class Units {
    private Units() {
    }

    /** A duration given in nanoseconds, in ns, µs, ms or s. */
    public static String nanos(double ns) {
        double abs = Math.abs(ns);
        if (abs < 1e3) {
            return digits(ns) + " ns";
        } else if (abs < 1e6) {
            return digits(ns / 1e3) + " µs";
        } else if (abs < 1e9) {
            return digits(ns / 1e6) + " ms";
        }
        return digits(ns / 1e9) + " s";
    }

    /** A size given in bytes, in B, KiB, MiB or GiB. */
    public static String bytes(double bytes) {
        double abs = Math.abs(bytes);
        if (abs < 1024) {
            return digits(bytes) + " B";
        } else if (abs < 1024 * 1024) {
            return digits(bytes / 1024) + " KiB";
        } else if (abs < 1024.0 * 1024 * 1024) {
            return digits(bytes / (1024 * 1024)) + " MiB";
        }
        return digits(bytes / (1024.0 * 1024 * 1024)) + " GiB";
    }

    /** Three significant digits, without exponent: 1.23, 12.3, 123, 1234. */
    public static String digits(double v) {
        double abs = Math.abs(v);
        String pattern = abs >= 100 || abs == 0 ? "%.0f" : abs >= 10 ? "%.1f" : abs >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, v);
    }

    /** A count with thousands separators: 10,000. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
