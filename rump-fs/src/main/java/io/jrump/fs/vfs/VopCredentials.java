package io.jrump.fs.vfs;

import io.jrump.api.ErrnoException;
import io.jrump.kern.Cred;

/**
 * Who the vnode operation running on this thread works for, for the few decisions a file
 * system makes itself by credentials (ext2's reserved blocks: only root may take the last
 * {@code s_r_blocks_count}, as Linux's {@code ext2_has_free_blocks}). The VFS sets it around
 * the operations that take space: {@link Vnode#write} (the credentials the file was opened
 * with), {@link Vnode#create} and {@link Vnode#symlink} (the caller's). Elsewhere it is null,
 * which a file system treats as the kernel itself, unrestricted.
 */
public final class VopCredentials {
    private static final ThreadLocal<Cred> CURRENT = new ThreadLocal<>();

    private VopCredentials() {
    }

    /** The credentials of the operation this thread is in, or null. */
    public static Cred current() {
        return CURRENT.get();
    }

    interface Call<T> {
        T run() throws ErrnoException;
    }

    /** Runs {@code call} with {@code cred} as {@link #current()}, restoring what was there after. */
    static <T> T as(Cred cred, Call<T> call) throws ErrnoException {
        Cred outer = CURRENT.get();
        CURRENT.set(cred);
        try {
            return call.run();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }
}
