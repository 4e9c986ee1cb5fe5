package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The status line of {@code rump serve}: redrawn in place on a terminal, absent otherwise, never mixed into whole lines. */
class ServeStatusTest {
    @Test
    void onATerminalTheStatusIsRedrawnInPlaceAndWipedAroundLines() {
        StringWriter w = new StringWriter();
        AtomicInteger n = new AtomicInteger();
        try (ServeStatus s = new ServeStatus(new PrintWriter(w), true, () -> "up " + n.incrementAndGet())) {
            s.redraw();
            s.redraw();
            assertEquals("\rup 1\rup 2", w.toString(), "redrawn in place: no newline between updates");
            w.getBuffer().setLength(0);
            s.println("GET /a 200");
            assertEquals("\r    \rGET /a 200" + System.lineSeparator(), w.toString(), "wiped before the line; not redrawn before start()");
        }
    }

    @Test
    void withoutATerminalOnlyWholeLinesArePrinted() {
        StringWriter w = new StringWriter();
        try (ServeStatus s = new ServeStatus(new PrintWriter(w), false, () -> "up").start()) {
            s.redraw();
            s.println("GET /a 200");
        }
        assertEquals("GET /a 200" + System.lineSeparator(), w.toString());
    }
}
