package io.jrump.api;

/**
 * A kernel could not be booted from its configuration: an unknown or unsupported platform,
 * a missing component, a device that cannot be opened. The message says what and why.
 */
public class BootException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BootException(String message) {
        super(message);
    }

    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
