package io.jrump.cli;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations on the command line as people write them: {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h} (a bare number is seconds). */
final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String v = value.trim();
        int i = 0;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        if (i == 0 || i > 12) {
            throw new TypeConversionException("'" + value + "' is not a duration (write it like 500ms, 2s, 5m)");
        }
        long n = Long.parseLong(v.substring(0, i));
        return switch (v.substring(i)) {
            case "ms" -> Duration.ofMillis(n);
            case "", "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> throw new TypeConversionException("'" + value + "' has an unknown unit (ms, s, m or h)");
        };
    }
}
