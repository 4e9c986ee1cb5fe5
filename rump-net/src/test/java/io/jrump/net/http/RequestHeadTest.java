package io.jrump.net.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The request parser and the path decoder against well-formed and hostile heads. */
class RequestHeadTest {
    private static final HttpLimits LIMITS = new HttpLimits(8192, 16384, 100);

    private static RequestHead parse(String head) throws HttpError {
        byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
        int end = RequestHead.headEnd(b, 0, b.length);
        assertTrue(end > 0, "no complete head in " + head);
        return RequestHead.parse(b, 0, end, LIMITS);
    }

    private static Status status(String head) {
        return assertThrows(HttpError.class, () -> parse(head)).status();
    }

    @Test
    void parsesAWellFormedHead() throws HttpError {
        RequestHead h = parse("GET /a/b?x=1 HTTP/1.1\r\nHost: example\r\nAccept:  */*  \r\nX-Two: 1\r\nx-two: 2\r\n\r\n");
        assertEquals("GET", h.method());
        assertEquals("/a/b?x=1", h.target());
        assertEquals(1, h.minorVersion());
        assertEquals("*/*", h.header("accept"));
        assertEquals("1, 2", h.header("X-TWO"));
        assertEquals("example", h.header("Host"));
        assertNull(h.header("range"));
        assertEquals(4, h.fieldCount());
    }

    @Test
    void findsPipelinedHeadsOneAfterTheOther() throws HttpError {
        byte[] b = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3".getBytes(StandardCharsets.US_ASCII);
        int first = RequestHead.headEnd(b, 0, b.length);
        assertEquals("/1", RequestHead.parse(b, 0, first, LIMITS).target());
        int second = RequestHead.headEnd(b, first, b.length);
        RequestHead h2 = RequestHead.parse(b, first, second, LIMITS);
        assertEquals("HEAD", h2.method());
        assertEquals("/2", h2.target());
        assertEquals(-1, RequestHead.headEnd(b, second, b.length), "the third head is not complete");
    }

    @Test
    void acceptsBareLineFeedsAndHttp10WithoutHost() throws HttpError {
        RequestHead h = parse("GET / HTTP/1.0\n\n");
        assertEquals(0, h.minorVersion());
        assertEquals("/", h.target());
    }

    @Test
    void malformedRequestLinesAre400() {
        assertEquals(Status.BAD_REQUEST, status("GET\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET /\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET / http/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET /\u00e9 HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET /\u0001 HTTP/1.1\r\nHost: h\r\n\r\n"));
        assertEquals(Status.VERSION_NOT_SUPPORTED, status("GET / HTTP/2.0\r\nHost: h\r\n\r\n"));
    }

    @Test
    void malformedFieldsAre400() {
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\n\r\n"), "HTTP/1.1 needs Host");
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\nHost : h\r\n\r\n"), "space before the colon");
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n  folded\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\nHost: h\r\nno colon\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\nHost: h\r\nX: a\u0000b\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n"));
        assertEquals(Status.BAD_REQUEST, status("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n"));
    }

    @Test
    void oversizedHeadsAre414Or431() {
        HttpLimits small = new HttpLimits(64, 256, 4);
        byte[] longLine = ("GET /" + "a".repeat(100)).getBytes(StandardCharsets.US_ASCII);
        assertEquals(Status.URI_TOO_LONG, assertThrows(HttpError.class, () -> RequestHead.checkPartial(longLine, 0, longLine.length, small)).status());
        byte[] bigHead = ("GET / HTTP/1.1\r\nX: " + "b".repeat(300)).getBytes(StandardCharsets.US_ASCII);
        assertEquals(Status.HEADERS_TOO_LARGE, assertThrows(HttpError.class, () -> RequestHead.checkPartial(bigHead, 0, bigHead.length, small)).status());
        byte[] many = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(Status.HEADERS_TOO_LARGE, assertThrows(HttpError.class,
                () -> RequestHead.parse(many, 0, RequestHead.headEnd(many, 0, many.length), small)).status());
        byte[] fine = "GET / HTTP/1.1\r\nHost: h\r\n".getBytes(StandardCharsets.US_ASCII);
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> RequestHead.checkPartial(fine, 0, fine.length, small));
    }

    @Test
    void pathsStayInsideTheTree() throws HttpError {
        Set<String> none = Set.of();
        assertEquals("/a/c", RequestTarget.path("/a/b/../c", "h", none));
        assertEquals("/a/", RequestTarget.path("/a/./b/..", "h", none));
        assertEquals("/", RequestTarget.path("/a/..", "h", none));
        assertEquals("/a b/\u00e9", RequestTarget.path("/a%20b/%C3%A9?q=1#f", "h", none));
        assertEquals("/x", RequestTarget.path("//x", "h", none));
        for (String bad : new String[] {"/..", "/../etc/passwd", "/a/../../x", "/%2e%2e/x", "/a%00b", "/a%2fb", "/a%2Fb/..", "/%zz", "/%4", "/%C3", "/%ff", "x", "*"}) {
            assertEquals(Status.BAD_REQUEST, assertThrows(HttpError.class, () -> RequestTarget.path(bad, "h", none), bad).status(), bad);
        }
    }

    @Test
    void absoluteTargetsMustNameThisServer() throws HttpError {
        assertEquals("/x", RequestTarget.path("http://me:8080/x", "me:8080", Set.of()));
        assertEquals("/", RequestTarget.path("http://10.0.0.2", "other", Set.of("10.0.0.2")));
        assertEquals(Status.MISDIRECTED_REQUEST, assertThrows(HttpError.class, () -> RequestTarget.path("http://evil.example/x", "me", Set.of("me"))).status());
        assertEquals(Status.BAD_REQUEST, assertThrows(HttpError.class, () -> RequestTarget.path("https://me/x", "me", Set.of())).status());
        assertEquals(Status.BAD_REQUEST, assertThrows(HttpError.class, () -> RequestTarget.path("http://u@me/x", "u@me", Set.of())).status());
    }

    @Test
    void rangesAreParsedAgainstTheSize() {
        assertEquals(new ByteRange(0, 9), ByteRange.parse("bytes=0-9", 100));
        assertEquals(new ByteRange(90, 99), ByteRange.parse("bytes=90-", 100));
        assertEquals(new ByteRange(95, 99), ByteRange.parse("bytes=-5", 100));
        assertEquals(new ByteRange(0, 99), ByteRange.parse("bytes=-500", 100));
        assertEquals(new ByteRange(50, 99), ByteRange.parse("bytes=50-1000", 100));
        assertEquals(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=100-", 100));
        assertEquals(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=200-300", 100));
        assertEquals(ByteRange.UNSATISFIABLE, ByteRange.parse("bytes=-0", 100));
        assertNull(ByteRange.parse("bytes=0-1,5-6", 100), "several ranges: the whole file");
        assertNull(ByteRange.parse("bytes=9-1", 100));
        assertNull(ByteRange.parse("items=0-1", 100));
        assertNull(ByteRange.parse("bytes=x-y", 100));
        assertNull(ByteRange.parse("bytes=99999999999999999999-", 100));
        assertNull(ByteRange.parse(null, 100));
    }

    @Test
    void datesRoundTripInEveryFormAReaderMustAccept() {
        assertEquals(784111777L, HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT"));
        assertEquals(784111777L, HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT"));
        assertEquals(784111777L, HttpDates.parse("Sun Nov  6 08:49:37 1994"));
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(784111777L));
        assertEquals(Long.MIN_VALUE, HttpDates.parse("yesterday"));
    }

    @Test
    void theFieldByFieldDateIsWhatTheFormatterWrites() {
        java.time.format.DateTimeFormatter imf = java.time.format.DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US)
                .withZone(java.time.ZoneOffset.UTC);
        java.util.Random r = new java.util.Random(3);
        long[] edges = {0, 951782400L /* 2000-02-29 */, 4107542399L /* 2100-02-28 23:59:59 */, 253402300799L /* 9999-12-31 */, -2147483648L};
        for (long s : edges) {
            assertEquals(imf.format(java.time.Instant.ofEpochSecond(s)), HttpDates.format(s), "second " + s);
        }
        for (int i = 0; i < 10_000; i++) {
            long s = r.nextLong(-2_000_000_000L, 16_000_000_000L);
            assertEquals(imf.format(java.time.Instant.ofEpochSecond(s)), HttpDates.format(s), "second " + s);
        }
    }
}
