package io.jrump.cli;

import io.jrump.measure.Units;
import java.io.PrintWriter;

/**
 * A progress line for work measured in bytes ({@code copying: 12.0 MiB/100 MiB}), redrawn in
 * place at most every {@value #REDRAW_MILLIS} ms and wiped when done. Only on a terminal (or
 * when asked for), so pipes and logs stay clean.
 */
final class ByteProgress {
    private static final long REDRAW_MILLIS = 100;

    private final ProgressLine line;
    private final String label;
    private long total;
    private long done;
    private long lastDraw;

    ByteProgress(PrintWriter out, String label, long total, boolean enabled) {
        this.line = new ProgressLine(out, enabled);
        this.label = label;
        this.total = total;
    }

    void add(long bytes) {
        done += bytes;
        long now = System.currentTimeMillis();
        if (line.enabled() && (now - lastDraw >= REDRAW_MILLIS || done >= total)) {
            lastDraw = now;
            line.draw(label + ": " + Units.bytes(done) + "/" + Units.bytes(Math.max(total, done)));
        }
    }

    void done() {
        line.done();
    }
}
