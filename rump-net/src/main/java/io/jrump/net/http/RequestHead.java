package io.jrump.net.http;

import java.nio.charset.StandardCharsets;

/**
 * A typed view over the head of one HTTP/1.x request (request line and header fields) in the
 * connection's input bytes, after RFC 9112 sections 2 to 5: the request line's three parts and
 * each field's name and value are offsets into the bytes, not copies; a field is decoded only
 * when the handler asks for it. {@link #parse} checks the whole head before anything is used,
 * within bounds the caller sets, and turns every violation into an {@link HttpError} with the
 * status to answer: 400 for bad syntax, 414 for a request line over its bound, 431 for a head
 * over its bound or with too many fields, 505 for a major version other than 1.
 *
 * <p>The view is valid until the connection reuses its buffer, that is for one request.
 */
final class RequestHead {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte HTAB = '\t';

    private final byte[] bytes;
    private final int start;
    private final int end;
    private final String method;
    private final int targetFrom;
    private final int targetTo;
    private final int minorVersion;
    /** Per field: name start, name end, value start, value end. */
    private final int[] fields;
    private final int fieldCount;

    private RequestHead(byte[] bytes, int start, int end, String method, int targetFrom, int targetTo, int minorVersion, int[] fields, int fieldCount) {
        this.bytes = bytes;
        this.start = start;
        this.end = end;
        this.method = method;
        this.targetFrom = targetFrom;
        this.targetTo = targetTo;
        this.minorVersion = minorVersion;
        this.fields = fields;
        this.fieldCount = fieldCount;
    }

    /**
     * Where the head starting at {@code from} ends (the index after its empty line), or -1 when
     * the bytes up to {@code to} hold no complete head yet. A bare LF ends a line as well as
     * CRLF, as RFC 9112 section 2.2 allows a recipient to accept.
     */
    static int headEnd(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == LF) {
                if (i + 1 < to && b[i + 1] == LF) {
                    return i + 2;
                }
                if (i + 2 < to && b[i + 1] == CR && b[i + 2] == LF) {
                    return i + 3;
                }
            }
        }
        return -1;
    }

    /**
     * Checks bytes that do not hold a complete head yet against the bounds, so a client cannot
     * make the server wait for (and buffer) more than they allow: 414 when the request line is
     * already longer than its bound, 431 when the head is.
     */
    static void checkPartial(byte[] b, int from, int to, HttpLimits limits) throws HttpError {
        int lineEnd = indexOf(b, from, Math.min(to, from + limits.maxRequestLine() + 1), LF);
        if (lineEnd < 0 && to - from > limits.maxRequestLine()) {
            throw new HttpError(Status.URI_TOO_LONG, "request line longer than " + limits.maxRequestLine() + " bytes");
        }
        if (to - from >= limits.maxHeadBytes()) {
            throw new HttpError(Status.HEADERS_TOO_LARGE, "request head longer than " + limits.maxHeadBytes() + " bytes");
        }
    }

    /**
     * Parses the head in {@code b[from, to)}, which {@link #headEnd} found complete.
     *
     * @throws HttpError with the status to answer when the head is malformed or over a bound
     */
    static RequestHead parse(byte[] b, int from, int to, HttpLimits limits) throws HttpError {
        return parse(b, from, to, limits, null);
    }

    /**
     * {@link #parse(byte[], int, int, HttpLimits)} with the field offsets in {@code scratch}
     * when it is large enough (a connection's array, reused for each of its requests, as the
     * bytes are), else in a new array.
     */
    static RequestHead parse(byte[] b, int from, int to, HttpLimits limits, int[] scratch) throws HttpError {
        if (to - from > limits.maxHeadBytes()) {
            throw new HttpError(Status.HEADERS_TOO_LARGE, "request head longer than " + limits.maxHeadBytes() + " bytes");
        }
        int i = from;
        // RFC 9112 2.2: at least one empty line before a request line should be ignored.
        while (i < to && (b[i] == CR || b[i] == LF) && i - from < 4) {
            i++;
        }
        int lineEnd = indexOf(b, i, to, LF);
        if (lineEnd < 0) {
            throw new HttpError(Status.BAD_REQUEST, "no request line");
        }
        if (lineEnd - i > limits.maxRequestLine()) {
            throw new HttpError(Status.URI_TOO_LONG, "request line longer than " + limits.maxRequestLine() + " bytes");
        }
        int lineStop = lineEnd > i && b[lineEnd - 1] == CR ? lineEnd - 1 : lineEnd;
        int sp1 = indexOf(b, i, lineStop, SP);
        if (sp1 <= i) {
            throw new HttpError(Status.BAD_REQUEST, "request line has no method");
        }
        for (int k = i; k < sp1; k++) {
            if (!isTchar(b[k])) {
                throw new HttpError(Status.BAD_REQUEST, "method is not a token");
            }
        }
        int sp2 = indexOf(b, sp1 + 1, lineStop, SP);
        if (sp2 < 0 || sp2 == sp1 + 1) {
            throw new HttpError(Status.BAD_REQUEST, "request line is not METHOD TARGET VERSION");
        }
        for (int k = sp1 + 1; k < sp2; k++) {
            if (b[k] <= SP || b[k] == 0x7f) { // visible ASCII only (RFC 3986 characters are a subset)
                throw new HttpError(Status.BAD_REQUEST, "request target holds a control character, a space or a non-ASCII byte");
            }
        }
        int minor = version(b, sp2 + 1, lineStop);
        String method = method(b, i, sp1);

        int[] fields = scratch != null && scratch.length >= 16 * 4 ? scratch : new int[Math.min(limits.maxFields(), 16) * 4];
        int count = 0;
        int p = lineEnd + 1;
        while (p < to) {
            int e = indexOf(b, p, to, LF);
            if (e < 0) {
                throw new HttpError(Status.BAD_REQUEST, "header line without an end");
            }
            int stop = e > p && b[e - 1] == CR ? e - 1 : e;
            if (stop == p) {
                break; // the empty line
            }
            if (b[p] == SP || b[p] == HTAB) {
                throw new HttpError(Status.BAD_REQUEST, "obsolete line folding in a header field"); // RFC 9112 5.2
            }
            int colon = indexOf(b, p, stop, (byte) ':');
            if (colon <= p) {
                throw new HttpError(Status.BAD_REQUEST, "header line without a field name");
            }
            for (int k = p; k < colon; k++) {
                if (!isTchar(b[k])) {
                    // also whitespace before the colon, which RFC 9112 5.1 says must be rejected
                    throw new HttpError(Status.BAD_REQUEST, "header field name is not a token");
                }
            }
            int vs = colon + 1;
            while (vs < stop && (b[vs] == SP || b[vs] == HTAB)) {
                vs++;
            }
            int ve = stop;
            while (ve > vs && (b[ve - 1] == SP || b[ve - 1] == HTAB)) {
                ve--;
            }
            for (int k = vs; k < ve; k++) {
                int c = b[k] & 0xff;
                if ((c < 0x20 && c != HTAB) || c == 0x7f) {
                    throw new HttpError(Status.BAD_REQUEST, "header field value holds a control character");
                }
            }
            if (count == limits.maxFields()) {
                throw new HttpError(Status.HEADERS_TOO_LARGE, "more than " + limits.maxFields() + " header fields");
            }
            if (count * 4 == fields.length) {
                fields = java.util.Arrays.copyOf(fields, Math.min(fields.length * 2, limits.maxFields() * 4));
            }
            fields[count * 4] = p;
            fields[count * 4 + 1] = colon;
            fields[count * 4 + 2] = vs;
            fields[count * 4 + 3] = ve;
            count++;
            p = e + 1;
        }
        RequestHead head = new RequestHead(b, i, to, method, sp1 + 1, sp2, minor, fields, count);
        head.checkFraming();
        return head;
    }

    /** The rules that make the request's length unambiguous and its host known (RFC 9112 3.2, 6.3). */
    private void checkFraming() throws HttpError {
        if (minorVersion >= 1 && count("host") != 1) {
            throw new HttpError(Status.BAD_REQUEST, count("host") == 0 ? "HTTP/1.1 request without Host" : "more than one Host field");
        }
        String length = null;
        for (int f = 0; f < fieldCount; f++) {
            if (nameIs(f, "content-length")) {
                String v = value(f);
                if (length != null && !length.equals(v)) {
                    throw new HttpError(Status.BAD_REQUEST, "Content-Length fields disagree");
                }
                length = v;
            }
        }
        if (length != null && contentLength() < 0) {
            throw new HttpError(Status.BAD_REQUEST, "Content-Length is not a number");
        }
    }

    /** HTTP/1.0 or HTTP/1.1 (any 1.x above 1 counts as 1.1, RFC 9110 2.5); 505 for other majors, 400 for junk. */
    private static int version(byte[] b, int from, int to) throws HttpError {
        // "HTTP/" DIGIT "." DIGIT
        byte[] prefix = {'H', 'T', 'T', 'P', '/'};
        if (to - from != 8) {
            throw new HttpError(Status.BAD_REQUEST, "malformed HTTP version");
        }
        for (int k = 0; k < prefix.length; k++) {
            if (b[from + k] != prefix[k]) {
                throw new HttpError(Status.BAD_REQUEST, "malformed HTTP version");
            }
        }
        byte major = b[from + 5];
        byte minor = b[from + 7];
        if (major < '0' || major > '9' || b[from + 6] != '.' || minor < '0' || minor > '9') {
            throw new HttpError(Status.BAD_REQUEST, "malformed HTTP version");
        }
        if (major != '1') {
            throw new HttpError(Status.VERSION_NOT_SUPPORTED, "HTTP/" + (char) major + " is not served");
        }
        return minor - '0';
    }

    private static String method(byte[] b, int from, int to) {
        if (to - from == 3 && b[from] == 'G' && b[from + 1] == 'E' && b[from + 2] == 'T') {
            return "GET";
        }
        if (to - from == 4 && b[from] == 'H' && b[from + 1] == 'E' && b[from + 2] == 'A' && b[from + 3] == 'D') {
            return "HEAD";
        }
        return new String(b, from, to - from, StandardCharsets.US_ASCII);
    }

    /** RFC 9110 5.6.2 tchar. */
    private static boolean isTchar(byte c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0 && c > 0;
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int k = from; k < to; k++) {
            if (b[k] == c) {
                return k;
            }
        }
        return -1;
    }

    private boolean nameIs(int f, String lowerName) {
        int ns = fields[f * 4];
        int ne = fields[f * 4 + 1];
        if (ne - ns != lowerName.length()) {
            return false;
        }
        for (int k = 0; k < lowerName.length(); k++) {
            int c = bytes[ns + k];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowerName.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private String value(int f) {
        return new String(bytes, fields[f * 4 + 2], fields[f * 4 + 3] - fields[f * 4 + 2], StandardCharsets.ISO_8859_1);
    }

    /** How many fields are named {@code name} (case-insensitive). */
    int count(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        int n = 0;
        for (int f = 0; f < fieldCount; f++) {
            if (nameIs(f, lower)) {
                n++;
            }
        }
        return n;
    }

    /** The value of the field {@code name} (case-insensitive; several are joined with ", ", RFC 9110 5.3), or null. */
    String header(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        String found = null;
        for (int f = 0; f < fieldCount; f++) {
            if (nameIs(f, lower)) {
                found = found == null ? value(f) : found + ", " + value(f);
            }
        }
        return found;
    }

    /** Whether the comma-separated field {@code name} holds {@code token} (case-insensitive), as Connection does. */
    boolean hasToken(String name, String token) {
        String v = header(name);
        if (v == null) {
            return false;
        }
        for (String t : v.split(",")) {
            if (t.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    /** The Content-Length, 0 without one, -1 when it is not a decimal number of at most 18 digits. */
    long contentLength() {
        String v = header("content-length");
        if (v == null) {
            return 0;
        }
        int comma = v.indexOf(',');
        if (comma >= 0) {
            v = v.substring(0, comma).trim(); // equal repeats were checked
        }
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        for (int k = 0; k < v.length(); k++) {
            if (v.charAt(k) < '0' || v.charAt(k) > '9') {
                return -1;
            }
        }
        return Long.parseLong(v);
    }

    String method() {
        return method;
    }

    /** The request target as sent (ASCII: it was checked to hold only visible ASCII). */
    String target() {
        return new String(bytes, targetFrom, targetTo - targetFrom, StandardCharsets.US_ASCII);
    }

    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    int minorVersion() {
        return minorVersion;
    }

    int fieldCount() {
        return fieldCount;
    }

    /** The length of the head in bytes, its empty line included. */
    int length() {
        return end - start;
    }

    /** The request line as sent, for the access log. */
    String requestLine() {
        int e = indexOf(bytes, start, end, LF);
        int stop = e > start && bytes[e - 1] == CR ? e - 1 : e;
        return new String(bytes, start, stop - start, StandardCharsets.ISO_8859_1);
    }
}
