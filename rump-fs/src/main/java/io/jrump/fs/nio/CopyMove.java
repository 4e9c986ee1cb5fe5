package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.OpenFlags;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;

/**
 * {@code Files.copy} and {@code Files.move} between paths of this provider: in one image
 * (a move is a {@code rename}), or between two images, each with its own kernel (a copy
 * through both, and for a move a removal after). As on Unix, a copied file keeps its
 * permission bits; {@code COPY_ATTRIBUTES} adds owner and times.
 */
final class CopyMove {
    private static final int COPY_BUFFER = 1 << 16;

    private CopyMove() {
    }

    static void copy(RumpPath src, RumpPath dst, CopyOption... options) throws IOException {
        List<CopyOption> opts = Arrays.asList(options);
        if (opts.contains(StandardCopyOption.ATOMIC_MOVE)) {
            throw new UnsupportedOperationException("ATOMIC_MOVE is an option of move, not copy");
        }
        copyOne(src, dst, !opts.contains(LinkOption.NOFOLLOW_LINKS), opts.contains(StandardCopyOption.REPLACE_EXISTING),
                opts.contains(StandardCopyOption.COPY_ATTRIBUTES));
    }

    static void move(RumpPath src, RumpPath dst, CopyOption... options) throws IOException {
        List<CopyOption> opts = Arrays.asList(options);
        boolean replace = opts.contains(StandardCopyOption.REPLACE_EXISTING);
        boolean atomic = opts.contains(StandardCopyOption.ATOMIC_MOVE);
        src.getFileSystem().checkWritable();
        dst.getFileSystem().checkWritable();
        if (src.getFileSystem() != dst.getFileSystem()) {
            if (atomic) {
                throw new AtomicMoveNotSupportedException(src.toString(), dst.toString(), "move between images");
            }
            if (ImageCalls.lstat(src).isDirectory() && ImageCalls.hasEntries(src)) {
                throw new DirectoryNotEmptyException(src.toString());
            }
            copyOne(src, dst, false, replace, true);
            ImageCalls.delete(src);
            return;
        }
        Syscalls sys = src.getFileSystem().sys();
        try {
            ImageCalls.lstat(src); // a missing source is reported as the source, not the target
            if (!atomic) {
                Stat existing = ImageCalls.lstatOrNull(dst);
                if (existing != null && !ImageCalls.isSame(ImageCalls.lstat(src), existing)) {
                    if (!replace) {
                        throw new FileAlreadyExistsException(dst.toString());
                    }
                    ImageCalls.delete(dst);
                }
            }
            sys.rename(src.kernelPath(), dst.kernelPath());
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, src, dst);
        }
    }

    private static void copyOne(RumpPath src, RumpPath dst, boolean follow, boolean replace, boolean attributes) throws IOException {
        dst.getFileSystem().checkWritable();
        Stat st = follow ? ImageCalls.stat(src) : ImageCalls.lstat(src);
        Stat existing = ImageCalls.lstatOrNull(dst);
        if (existing != null) {
            if (src.getFileSystem() == dst.getFileSystem() && ImageCalls.isSame(st, existing)) {
                return; // copying a file onto itself does nothing, as Files.copy documents
            }
            if (!replace) {
                throw new FileAlreadyExistsException(dst.toString());
            }
            ImageCalls.delete(dst);
        }
        Syscalls in = src.getFileSystem().sys();
        Syscalls out = dst.getFileSystem().sys();
        int perms = st.mode() & FileMode.ALLPERMS;
        try {
            if (st.isDirectory()) {
                out.mkdir(dst.kernelPath(), perms);
            } else if (st.isSymlink()) {
                out.symlink(in.readlink(src.kernelPath()), dst.kernelPath());
            } else if (st.isRegularFile()) {
                copyData(src, dst, perms);
            } else {
                throw new FileSystemException(src.toString(), dst.toString(), "cannot copy a special file");
            }
            if (attributes) {
                if (!st.isSymlink()) {
                    out.chmod(dst.kernelPath(), perms);
                    out.utimes(dst.kernelPath(), st.atime(), st.mtime());
                }
                out.lchown(dst.kernelPath(), st.uid(), st.gid());
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, dst, src);
        }
    }

    private static void copyData(RumpPath src, RumpPath dst, int perms) throws ErrnoException {
        Syscalls in = src.getFileSystem().sys();
        Syscalls out = dst.getFileSystem().sys();
        int from = in.open(src.kernelPath(), OpenFlags.O_RDONLY);
        try {
            int to = out.open(dst.kernelPath(), OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, perms);
            try {
                ByteBuffer buf = ByteBuffer.allocate(COPY_BUFFER);
                while (in.read(from, buf.clear()) > 0) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        out.write(to, buf);
                    }
                }
            } finally {
                out.close(to);
            }
        } finally {
            in.close(from);
        }
    }
}
