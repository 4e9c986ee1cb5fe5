package io.jrump.cli;

import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What {@code rump serve} prints while it runs: whole lines (the access log, summons, shutdowns)
 * and, on a terminal only, a status line below them redrawn in place every second (what the
 * kernels have cost so far). A line printed while the status line shows wipes it first and
 * redraws it after, so the two never mix; without a terminal nothing but the lines is printed,
 * so logs stay clean.
 */
final class ServeStatus implements AutoCloseable {
    /** How often the status line is redrawn: often enough to watch, rarely enough to cost nothing. */
    static final long PERIOD_MILLIS = 1000;

    private final PrintWriter out;
    private final ProgressLine line;
    private final Supplier<String> status;
    private ScheduledExecutorService ticker;

    ServeStatus(PrintWriter out, boolean terminal, Supplier<String> status) {
        this.out = out;
        this.line = new ProgressLine(out, terminal);
        this.status = status;
    }

    /** Starts redrawing the status line (on a terminal; otherwise does nothing). */
    ServeStatus start() {
        if (line.enabled()) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "rump-serve-status");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleWithFixedDelay(this::redraw, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** Redraws the status line now. */
    synchronized void redraw() {
        line.draw(status.get());
    }

    /** Prints a whole line above the status line. */
    synchronized void println(String text) {
        line.done();
        out.println(text);
        out.flush();
        if (ticker != null) {
            line.draw(status.get());
        }
    }

    /** Stops redrawing and wipes the status line, so what follows starts on a clean line. */
    @Override
    public synchronized void close() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
        line.done();
    }
}
