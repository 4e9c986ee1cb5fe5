package io.jrump.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.OpenFlags;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TranscriptTest {
    private final StringWriter text = new StringWriter();
    private final Transcript transcript = new Transcript(new PrintWriter(text));

    @Test
    void printsCallAndResult() throws ErrnoException {
        int fd = transcript.call("pid 1", "open(\"/x\", O_RDONLY)", () -> 3, String::valueOf);
        assertEquals(3, fd);
        transcript.call("pid 1", "close(3)", () -> { });
        assertEquals("[pid 1] open(\"/x\", O_RDONLY) = 3\n[pid 1] close(3) = 0\n", text.toString().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void printsAFailureThenThrowsIt() {
        ErrnoException e = new ErrnoException(Errno.ENOENT, "stat", "/nope", null);
        ErrnoException thrown = assertThrows(ErrnoException.class, () -> transcript.call("pid 1", "stat(\"/nope\")", () -> {
            throw e;
        }));
        assertSame(e, thrown);
        assertTrue(text.toString().contains("[pid 1] stat(\"/nope\") = -1 ENOENT (No such file or directory)"), text.toString());
    }

    @Test
    void expectedFailureIsPrintedAndAnythingElseIsAnError() {
        transcript.fails("u", "open(\"/s\")", Errno.EACCES, () -> {
            throw new ErrnoException(Errno.EACCES);
        });
        assertTrue(text.toString().contains("[u] open(\"/s\") = -1 EACCES (Permission denied)"));
        var succeeded = assertThrows(Transcript.UnexpectedResult.class, () -> transcript.fails("u", "open(\"/s\")", Errno.EACCES, () -> { }));
        assertTrue(succeeded.getMessage().contains("expected EACCES but the call succeeded"), succeeded.getMessage());
        var other = assertThrows(Transcript.UnexpectedResult.class, () -> transcript.fails("u", "open(\"/s\")", Errno.EACCES, () -> {
            throw new ErrnoException(Errno.ENOENT, "open", "/s", null);
        }));
        assertTrue(other.getMessage().contains("expected EACCES but got open /s: ENOENT"), other.getMessage());
    }

    @Test
    void quotesLikeC() {
        assertEquals("\"a\\n\\t\\\"b\\\\\\x01\"", Transcript.quote("a\n\t\"b\\\u0001"));
        assertEquals("\"" + "x".repeat(40) + "\"...", Transcript.quote("x".repeat(41)));
        ByteBuffer buf = ByteBuffer.wrap("hi\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("\"hi\\n\"", Transcript.quote(buf));
        assertEquals(0, buf.position(), "quoting does not consume the buffer");
    }

    @Test
    void openFlagsAndModes() {
        assertEquals("O_RDONLY", Transcript.openFlags(OpenFlags.O_RDONLY));
        assertEquals("O_WRONLY|O_CREAT|O_EXCL", Transcript.openFlags(OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL));
        assertEquals("O_RDWR|O_APPEND|040000000", Transcript.openFlags(OpenFlags.O_RDWR | OpenFlags.O_APPEND | 040000000));
        assertEquals("0644", Transcript.octal(0644));
        assertEquals("-rw-r--r--", Modes.symbolic(FileMode.S_IFREG | 0644));
        assertEquals("drwx--x--x", Modes.symbolic(FileMode.S_IFDIR | 0711));
        assertEquals("lrwxrwxrwx", Modes.symbolic(FileMode.S_IFLNK | 0777));
        assertEquals("-rwsr-Sr-T", Modes.symbolic(FileMode.S_IFREG | FileMode.S_ISUID | FileMode.S_ISGID | FileMode.S_ISVTX | 0744));
        assertEquals("drwxrwxrwt", Modes.symbolic(FileMode.S_IFDIR | FileMode.S_ISVTX | 0777));
    }
}
