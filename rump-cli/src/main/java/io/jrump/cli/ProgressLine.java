package io.jrump.cli;

import java.io.PrintWriter;

/**
 * One line of progress redrawn in place with a carriage return and wiped when done. Only for
 * a terminal: when disabled (a pipe, a file) it prints nothing, so logs stay clean.
 */
final class ProgressLine {
    private final PrintWriter out;
    private final boolean enabled;
    private int lastWidth;

    ProgressLine(PrintWriter out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    boolean enabled() {
        return enabled;
    }

    /** Replaces the line with {@code text}, blanking what a longer previous text left. */
    void draw(String text) {
        if (!enabled) {
            return;
        }
        out.print("\r" + text + (text.length() < lastWidth ? " ".repeat(lastWidth - text.length()) : ""));
        out.flush();
        lastWidth = text.length();
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
