package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code user} view: extended attributes of the {@code user.} namespace under their names
 * without the prefix, as the JDK's Linux provider maps them ({@code Files.getAttribute(p,
 * "user:comment")} is the kernel's {@code user.comment}). Other namespaces are not seen here.
 */
final class RumpUserAttributeView implements UserDefinedFileAttributeView {
    private static final String PREFIX = "user.";

    private final RumpPath path;
    private final boolean follow;

    RumpUserAttributeView(RumpPath path, boolean follow) {
        this.path = path;
        this.follow = follow;
    }

    @Override
    public String name() {
        return "user";
    }

    private Syscalls sys() {
        return path.getFileSystem().sys();
    }

    private byte[] value(String name) throws IOException {
        try {
            String full = PREFIX + name;
            return follow ? sys().getxattr(path.kernelPath(), full) : sys().lgetxattr(path.kernelPath(), full);
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    @Override
    public List<String> list() throws IOException {
        try {
            List<String> all = follow ? sys().listxattr(path.kernelPath()) : sys().llistxattr(path.kernelPath());
            List<String> out = new ArrayList<>();
            for (String n : all) {
                if (n.startsWith(PREFIX)) {
                    out.add(n.substring(PREFIX.length()));
                }
            }
            return out;
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }

    @Override
    public int size(String name) throws IOException {
        return value(name).length;
    }

    /** Reads the whole value into {@code dst}; a buffer too small for it is an error (the kernel's ERANGE), nothing read. */
    @Override
    public int read(String name, ByteBuffer dst) throws IOException {
        byte[] v = value(name);
        if (dst.remaining() < v.length) {
            throw new FileSystemException(path.toString(), null, "ERANGE: the value of " + name + " (" + v.length
                    + " bytes) does not fit in the buffer (" + dst.remaining() + " bytes)");
        }
        dst.put(v);
        return v.length;
    }

    @Override
    public int write(String name, ByteBuffer src) throws IOException {
        path.getFileSystem().checkWritable();
        byte[] v = new byte[src.remaining()];
        src.duplicate().get(v);
        try {
            String full = PREFIX + name;
            if (follow) {
                sys().setxattr(path.kernelPath(), full, v, 0);
            } else {
                sys().lsetxattr(path.kernelPath(), full, v, 0);
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
        src.position(src.limit());
        return v.length;
    }

    @Override
    public void delete(String name) throws IOException {
        path.getFileSystem().checkWritable();
        try {
            String full = PREFIX + name;
            if (follow) {
                sys().removexattr(path.kernelPath(), full);
            } else {
                sys().lremovexattr(path.kernelPath(), full);
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
    }
}
