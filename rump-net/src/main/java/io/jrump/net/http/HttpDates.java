package io.jrump.net.http;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * HTTP dates (RFC 9110 5.6.7): the IMF-fixdate form {@code Sun, 06 Nov 1994 08:49:37 GMT} is
 * sent, and read back; the two obsolete forms a recipient "MUST accept" (RFC 850 and asctime)
 * are read too. English names (Locale.US): CLDR's root locale has no full day names. The access log's date is Apache's common log format, {@code [10/Oct/2000:13:55:36 +0000]}.
 */
final class HttpDates {
    private static final DateTimeFormatter IMF = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    /** Two-digit years from 1970 on: RFC 9110 reads one that looks more than 50 years ahead as the past century's. */
    private static final DateTimeFormatter RFC850 = new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
            .appendValueReduced(ChronoField.YEAR, 2, 2, 1970).appendPattern(" HH:mm:ss 'GMT'")
            .toFormatter(Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private HttpDates() {
    }

    private static final String[] DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    /**
     * The IMF-fixdate of {@code epochSecond}, written field by field: it is in every response
     * (Last-Modified), and a {@link DateTimeFormatter} costs a zoned date-time and a parse of
     * its pattern's printers per call. Years are written with four digits (0000 to 9999).
     */
    static String format(long epochSecond) {
        LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
        StringBuilder sb = new StringBuilder(29);
        sb.append(DAYS[t.getDayOfWeek().ordinal()]).append(", ");
        two(sb, t.getDayOfMonth()).append(' ').append(MONTHS[t.getMonthValue() - 1]).append(' ');
        int y = Math.floorMod(t.getYear(), 10000);
        two(sb, y / 100);
        two(sb, y % 100).append(' ');
        two(sb, t.getHour()).append(':');
        two(sb, t.getMinute()).append(':');
        two(sb, t.getSecond()).append(" GMT");
        return sb.toString();
    }

    private static StringBuilder two(StringBuilder sb, int v) {
        return sb.append((char) ('0' + v / 10)).append((char) ('0' + v % 10));
    }

    static String clf(long epochSecond) {
        return CLF.format(Instant.ofEpochSecond(epochSecond));
    }

    /** Seconds since the epoch, or {@code Long.MIN_VALUE} when {@code s} is no HTTP date (the field is then ignored). */
    static long parse(String s) {
        if (s == null || s.length() > 64) {
            return Long.MIN_VALUE;
        }
        for (DateTimeFormatter f : new DateTimeFormatter[] {IMF, RFC850, ASCTIME}) {
            try {
                return ZonedDateTime.parse(s.trim(), f).toEpochSecond();
            } catch (DateTimeParseException e) {
                // try the next form
            }
        }
        return Long.MIN_VALUE;
    }
}
