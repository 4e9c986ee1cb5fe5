package io.jrump.xen.xenstore;

import io.jrump.api.Errno;

/**
 * The error names a daemon sends in an {@code XS_ERROR} reply ({@code xsd_errors} in
 * {@code xs_wire.h}: "ENOENT", "EACCES", ...), as {@link Errno}s. A name jrump does not know,
 * which only a broken or hostile daemon sends, becomes {@code EIO}.
 */
final class XsErrors {
    private XsErrors() {
    }

    static Errno of(String name) {
        if (name.startsWith("E") && name.length() < 16) {
            try {
                return Errno.valueOf(name);
            } catch (IllegalArgumentException e) {
                return Errno.EIO;
            }
        }
        return Errno.EIO;
    }
}
