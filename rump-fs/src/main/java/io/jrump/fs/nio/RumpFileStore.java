package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.StatVfs;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;

/** The image's file system as a store: its space figures come from the kernel's {@code statvfs} of its root, the image. */
final class RumpFileStore extends FileStore {
    private final RumpFileSystem fs;

    RumpFileStore(RumpFileSystem fs) {
        this.fs = fs;
    }

    @Override
    public String name() {
        return fs.image().name();
    }

    @Override
    public String type() {
        return fs.image().type();
    }

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly();
    }

    @Override
    public long getTotalSpace() throws IOException {
        StatVfs s = statvfs();
        return s.blocks() * s.frsize();
    }

    @Override
    public long getUsableSpace() throws IOException {
        StatVfs s = statvfs();
        return s.bavail() * s.frsize();
    }

    @Override
    public long getUnallocatedSpace() throws IOException {
        StatVfs s = statvfs();
        return s.bfree() * s.frsize();
    }

    @Override
    public long getBlockSize() throws IOException {
        return statvfs().bsize();
    }

    @Override
    public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
        return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
                || type == FileOwnerAttributeView.class || type == java.nio.file.attribute.UserDefinedFileAttributeView.class;
    }

    @Override
    public boolean supportsFileAttributeView(String name) {
        return RumpFileSystem.VIEWS.contains(name);
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
        return null;
    }

    @Override
    public Object getAttribute(String attribute) throws IOException {
        return switch (attribute) {
            case "totalSpace" -> getTotalSpace();
            case "usableSpace" -> getUsableSpace();
            case "unallocatedSpace" -> getUnallocatedSpace();
            case "blockSize" -> getBlockSize();
            default -> throw new UnsupportedOperationException("file store attribute '" + attribute + "' not supported");
        };
    }

    @Override
    public String toString() {
        return name() + " (" + type() + ")";
    }

    private StatVfs statvfs() throws IOException {
        try {
            return fs.sys().statvfs("/");
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, "/", null);
        }
    }
}
