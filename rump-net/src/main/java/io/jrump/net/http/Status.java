package io.jrump.net.http;

/** The response statuses this server sends, with their reason phrases (RFC 9110, section 15). */
enum Status {
    OK(200, "OK"),
    PARTIAL_CONTENT(206, "Partial Content"),
    MOVED_PERMANENTLY(301, "Moved Permanently"),
    NOT_MODIFIED(304, "Not Modified"),
    BAD_REQUEST(400, "Bad Request"),
    FORBIDDEN(403, "Forbidden"),
    NOT_FOUND(404, "Not Found"),
    METHOD_NOT_ALLOWED(405, "Method Not Allowed"),
    REQUEST_TIMEOUT(408, "Request Timeout"),
    URI_TOO_LONG(414, "URI Too Long"),
    RANGE_NOT_SATISFIABLE(416, "Range Not Satisfiable"),
    MISDIRECTED_REQUEST(421, "Misdirected Request"),
    HEADERS_TOO_LARGE(431, "Request Header Fields Too Large"),
    INTERNAL_ERROR(500, "Internal Server Error"),
    NOT_IMPLEMENTED(501, "Not Implemented"),
    SERVICE_UNAVAILABLE(503, "Service Unavailable"),
    VERSION_NOT_SUPPORTED(505, "HTTP Version Not Supported");

    final int code;
    final String reason;
    /** The status line, {@code HTTP/1.1 200 OK} and its CRLF, as sent. */
    final byte[] line;

    Status(int code, String reason) {
        this.code = code;
        this.reason = reason;
        this.line = ("HTTP/1.1 " + code + " " + reason + "\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Whether a response with this status has no body by definition (RFC 9110, 6.4.1). */
    boolean bodiless() {
        return this == NOT_MODIFIED;
    }
}
