package io.jrump.fs.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each errno becomes the exception {@code java.nio.file} promises, naming the NIO path and keeping the errno as cause and text. */
class NioErrorsTest {
    @ParameterizedTest
    @CsvSource({
        "ENOENT, java.nio.file.NoSuchFileException",
        "EEXIST, java.nio.file.FileAlreadyExistsException",
        "ENOTEMPTY, java.nio.file.DirectoryNotEmptyException",
        "EACCES, java.nio.file.AccessDeniedException",
        "EPERM, java.nio.file.AccessDeniedException",
        "ENOTDIR, java.nio.file.NotDirectoryException",
        "ENOSPC, java.nio.file.FileSystemException",
        "ELOOP, java.nio.file.FileSystemException",
        "EROFS, java.nio.file.FileSystemException"})
    void errnoToNio(Errno errno, Class<?> expected) {
        ErrnoException e = new ErrnoException(errno, "open", "/image/a/b", "detail from ext2");
        FileSystemException nio = NioErrors.translate(e, "/a/b", "/c");
        assertSame(expected, nio.getClass());
        assertEquals("/a/b", nio.getFile());
        assertSame(e, nio.getCause());
        if (expected == FileSystemException.class || expected == AccessDeniedException.class) {
            assertEquals(errno.name() + " (" + errno.description() + "): detail from ext2", nio.getReason());
        }
    }

    @ParameterizedTest
    @CsvSource({"ENOENT", "EEXIST"})
    void otherPathIsKept(Errno errno) {
        FileSystemException nio = NioErrors.translate(new ErrnoException(errno), "/from", "/to");
        assertEquals("/to", nio.getOtherFile());
    }
}
