package io.jrump.api;

import java.io.IOException;
import java.util.Objects;

/**
 * A system call failed with an {@link Errno}. The message names the call and the path
 * (when there is one) the way a shell would: {@code open /data/x: ENOENT (No such file
 * or directory)}, followed by a detail from the layer that found the error when it has one
 * ({@code ext2: inode 12: block 99999 beyond end of device}).
 *
 * <p>Kernel layers throw it with only an errno and perhaps a detail; the system call layer
 * adds the call and path once on the way out ({@link #withContext}), so deep code does not
 * have to know which call it is serving.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String detail;
    private String call;
    private String path;

    public ErrnoException(Errno errno) {
        this(errno, null, null, null);
    }

    public ErrnoException(Errno errno, String detail) {
        this(errno, null, null, detail);
    }

    public ErrnoException(Errno errno, String call, String path, String detail) {
        super((String) null);
        this.errno = Objects.requireNonNull(errno, "errno");
        this.call = call;
        this.path = path;
        this.detail = detail;
    }

    public Errno errno() {
        return errno;
    }

    /** The system call that failed, or {@code null} when the error has not reached the call layer. */
    public String call() {
        return call;
    }

    /** The path the call was given, or {@code null}. */
    public String path() {
        return path;
    }

    /** What the layer that found the error said about it, or {@code null}. */
    public String detail() {
        return detail;
    }

    /**
     * Names the call and path unless an inner call already did; returns this exception so a
     * catch block can write {@code throw e.withContext("open", path)}.
     */
    public ErrnoException withContext(String call, String path) {
        if (this.call == null) {
            this.call = call;
            this.path = path;
        }
        return this;
    }

    @Override
    public String getMessage() {
        StringBuilder sb = new StringBuilder();
        if (call != null) {
            sb.append(call);
            if (path != null) {
                sb.append(' ').append(path);
            }
            sb.append(": ");
        }
        sb.append(errno.name()).append(" (").append(errno.description()).append(')');
        if (detail != null) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }
}
