package io.jrump.cli;

import io.jrump.cli.measure.Units;
import java.io.PrintWriter;

/**
 * A progress line ({@code booting kernels: 4,200/10,000}) redrawn in place with a carriage
 * return, and wiped when done. Only for a terminal: on a pipe or in a file it prints nothing,
 * so logs stay clean.
 */
final class IntProgress {
    private final PrintWriter out;
    private final String label;
    private final int total;
    private final boolean enabled;
    private int lastWidth;

    IntProgress(PrintWriter out, String label, int total, boolean enabled) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.enabled = enabled;
    }

    void update(int done) {
        if (!enabled) {
            return;
        }
        String text = label + ": " + Units.count(done) + "/" + Units.count(total);
        lastWidth = text.length();
        out.print("\r" + text);
        out.flush();
    }

    /** Wipes the line; harmless when called twice. */
    void done() {
        if (enabled && lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            out.flush();
            lastWidth = 0;
        }
    }
}
