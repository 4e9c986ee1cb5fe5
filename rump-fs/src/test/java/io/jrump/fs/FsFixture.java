package io.jrump.fs;

import io.jrump.api.RumpKernel;

/** A kernel with a file system under test mounted at {@code mountPoint} (no trailing slash, or "/"); closing it closes the kernel. */
public record FsFixture(RumpKernel kernel, String mountPoint) implements AutoCloseable {
    @Override
    public void close() {
        kernel.close();
    }
}
