package io.jrump.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Set;

/**
 * Arbitrary bytes as a request head. Whatever they are, the parser either yields a head or an
 * {@link HttpError} (never another exception), stays within its bounds, and any path it lets
 * through is inside the served tree: absolute, without "." or ".." segments, NUL or empty
 * names. Ranges parsed from the head lie inside the file.
 *
 * <p>Without JAZZER_FUZZ=1 this runs the committed corpus as a regression test.
 */
class RequestFuzzTest {
    private static final HttpLimits LIMITS = new HttpLimits(256, 1024, 16);

    @FuzzTest(maxDuration = "30s")
    void heads(FuzzedDataProvider data) {
        long size = data.consumeLong(0, 1L << 40);
        byte[] b = data.consumeRemainingAsBytes();
        try {
            RequestHead.checkPartial(b, 0, b.length, LIMITS);
        } catch (HttpError e) {
            assertTrue(e.status() == Status.URI_TOO_LONG || e.status() == Status.HEADERS_TOO_LARGE, e.status().toString());
        }
        int end = RequestHead.headEnd(b, 0, b.length);
        if (end < 0) {
            return;
        }
        RequestHead head;
        try {
            head = RequestHead.parse(b, 0, end, LIMITS);
        } catch (HttpError e) {
            assertTrue(e.status().code >= 400 && e.status().code < 600);
            return;
        }
        assertTrue(head.length() <= LIMITS.maxHeadBytes());
        assertTrue(head.fieldCount() <= LIMITS.maxFields());
        ByteRange r = ByteRange.parse(head.header("range"), size);
        if (r != null && r != ByteRange.UNSATISFIABLE) {
            assertTrue(r.first() >= 0 && r.first() <= r.last() && r.last() < size, r.toString());
        }
        String path;
        try {
            path = RequestTarget.path(head.target(), head.header("host"), Set.of("localhost"));
        } catch (HttpError e) {
            assertTrue(e.status() == Status.BAD_REQUEST || e.status() == Status.MISDIRECTED_REQUEST, e.status().toString());
            return;
        }
        assertTrue(path.startsWith("/"), path);
        assertFalse(path.indexOf('\0') >= 0, path);
        String inner = path.endsWith("/") ? path.substring(1, Math.max(1, path.length() - 1)) : path.substring(1);
        if (!inner.isEmpty()) {
            for (String seg : inner.split("/", -1)) {
                assertFalse(seg.isEmpty() || seg.equals(".") || seg.equals(".."), path);
            }
        }
        assertEquals(path, path.replace("//", "/"));
    }
}
