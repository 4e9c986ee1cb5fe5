package io.jrump.cli;

import io.jrump.measure.Units;
import java.io.PrintWriter;

/** A progress line counting items ({@code booting kernels: 4,200/10,000}). */
final class IntProgress {
    private final ProgressLine line;
    private final String label;
    private final int total;

    IntProgress(PrintWriter out, String label, int total, boolean enabled) {
        this.line = new ProgressLine(out, enabled);
        this.label = label;
        this.total = total;
    }

    void update(int done) {
        if (line.enabled()) {
            line.draw(label + ": " + Units.count(done) + "/" + Units.count(total));
        }
    }

    /** Wipes the line; harmless when called twice. */
    void done() {
        line.done();
    }
}
