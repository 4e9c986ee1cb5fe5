package io.jrump.net.summon;

import java.time.Duration;

/** Durations as a command line writes them: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h}. */
public final class Durations {
    private Durations() {
    }

    /**
     * Parses a positive whole number followed by a unit, {@code ms}, {@code s}, {@code m} or
     * {@code h}. A bare number is refused: whether "5" means seconds or minutes is a guess.
     *
     * @throws IllegalArgumentException naming the text and what was expected
     */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim();
        int i = 0;
        while (i < t.length() && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
            i++;
        }
        String unit = t.substring(i);
        if (i == 0 || i > 12 || unit.isEmpty()) {
            throw new IllegalArgumentException("duration '" + text + "': expected a number and a unit, as 500ms, 2s, 5m or 1h");
        }
        long n = Long.parseLong(t.substring(0, i));
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("duration '" + text + "': unknown unit '" + unit + "' (ms, s, m or h)");
        };
        if (d.isZero()) {
            throw new IllegalArgumentException("duration '" + text + "' must be more than zero");
        }
        return d;
    }

    /** The shortest of the forms {@link #parse} reads that says {@code d} exactly ("2s", "1500ms"). */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
