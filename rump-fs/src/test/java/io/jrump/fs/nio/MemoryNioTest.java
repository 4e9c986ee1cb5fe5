package io.jrump.fs.nio;

import java.nio.file.FileSystem;

/** The NIO contract over a kernel whose "image" is a tmpfs: the provider without any disk driver. */
class MemoryNioTest extends NioContract {
    @Override
    FileSystem open() throws Exception {
        return RumpFileSystemProvider.newMemoryFileSystem(64L << 20);
    }
}
