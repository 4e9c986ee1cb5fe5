package io.jrump.net.http;

/**
 * A request the server answers with an error status and then, because the rest of the byte
 * stream can no longer be trusted to start at a request, usually closes: a malformed request
 * line, a head over its bound, a path that leaves the served tree. Thrown by the parsers
 * instead of an unchecked exception, so hostile input always ends in a status.
 */
final class HttpError extends Exception {
    private static final long serialVersionUID = 1L;

    private final Status status;

    HttpError(Status status, String why) {
        super(why, null, false, false);
        this.status = status;
    }

    Status status() {
        return status;
    }
}
