package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;

/**
 * Turns a kernel's errno into the exception {@code java.nio.file} promises for it, the way the
 * JDK's own Unix provider does (its {@code UnixException.translateToIOException}), so code
 * written against {@code Files} catches the same types on an image as on the host. The
 * exception names the NIO paths (not the kernel's mount-point paths) and keeps the errno's
 * text, and the {@link ErrnoException} as its cause.
 */
final class NioErrors {
    private NioErrors() {
    }

    static FileSystemException translate(ErrnoException e, Object file, Object other) {
        String f = file == null ? null : file.toString();
        String o = other == null ? null : other.toString();
        FileSystemException nio = switch (e.errno()) {
            case ENOENT -> new NoSuchFileException(f, o, null);
            case EEXIST -> new FileAlreadyExistsException(f, o, null);
            case ENOTEMPTY -> new DirectoryNotEmptyException(f);
            case EACCES, EPERM -> new AccessDeniedException(f, o, reason(e));
            case ENOTDIR -> new NotDirectoryException(f);
            default -> new FileSystemException(f, o, reason(e));
        };
        nio.initCause(e);
        return nio;
    }

    /** A readlink of something that is not a link: NIO's own exception for it. */
    static FileSystemException notALink(Object file, ErrnoException e) {
        NotLinkException nio = new NotLinkException(file.toString(), null, reason(e));
        nio.initCause(e);
        return nio;
    }

    /** The errno as {@code strerror} puts it, with the layer's detail: {@code ENOSPC (No space left on device)}. */
    static String reason(ErrnoException e) {
        String text = e.errno().name() + " (" + e.errno().description() + ")";
        return e.detail() == null ? text : text + ": " + e.detail();
    }
}
