package io.jrump.cli;

import io.jrump.cli.measure.Units;
import java.io.PrintWriter;

/**
 * A progress line for work measured in bytes ({@code copying: 12.0 MiB/100 MiB}), redrawn in
 * place at most every {@value #REDRAW_MILLIS} ms and wiped when done. Only on a terminal (or
 * when asked for), so pipes and logs stay clean.
 */
final class ByteProgress {
    private static final long REDRAW_MILLIS = 100;

    private final PrintWriter out;
    private final String label;
    private final boolean enabled;
    private long total;
    private long done;
    private long lastDraw;
    private int lastWidth;

    ByteProgress(PrintWriter out, String label, long total, boolean enabled) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.enabled = enabled;
    }

    void add(long bytes) {
        done += bytes;
        long now = System.currentTimeMillis();
        if (enabled && (now - lastDraw >= REDRAW_MILLIS || done >= total)) {
            lastDraw = now;
            String text = label + ": " + Units.bytes(done) + "/" + Units.bytes(Math.max(total, done));
            out.print("\r" + text + (text.length() < lastWidth ? " ".repeat(lastWidth - text.length()) : ""));
            out.flush();
            lastWidth = text.length();
        }
    }

    void done() {
        if (enabled && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            out.flush();
            lastWidth = 0;
        }
    }
}
