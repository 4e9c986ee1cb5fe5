package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Waiting for what an in-process {@code rump serve} prints. */
final class ServeSummonTestSupport {
    private ServeSummonTestSupport() {
    }

    /** Waits (30 s at most) for {@code p} in the output; its group 1 is a port on 127.0.0.1. */
    static InetSocketAddress await(StringWriter out, Thread serving, Pattern p) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            Matcher m = p.matcher(out.toString());
            if (m.find()) {
                return new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
            }
            assertTrue(serving.isAlive(), "rump serve ended: " + out);
            Thread.sleep(50);
        }
        throw new AssertionError("rump serve did not print " + p + ": " + out);
    }
}
