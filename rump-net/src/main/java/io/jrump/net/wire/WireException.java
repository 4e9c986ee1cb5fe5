package io.jrump.net.wire;

/**
 * A received packet failed validation. {@link #reason()} is a short token ("bad_checksum",
 * "truncated") that the stack uses as the name of the drop counter, so {@code netstat -s}-like
 * output says why packets were dropped; the message adds the numbers.
 *
 * <p>Malformed packets are routine input, not bugs, so the exception carries no stack trace:
 * a flood of garbage frames costs no more than the checks themselves.
 */
public final class WireException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String reason;

    public WireException(String reason, String message) {
        super(reason + ": " + message, null, false, false);
        this.reason = reason;
    }

    /** The counter-friendly reason: lower case, underscores, no numbers. */
    public String reason() {
        return reason;
    }
}
