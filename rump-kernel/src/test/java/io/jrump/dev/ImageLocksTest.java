package io.jrump.dev;

import static io.jrump.dev.TestDisks.pattern;
import static io.jrump.dev.TestDisks.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer or many readers per image: within this JVM, against another JVM, and against a foreign POSIX lock. */
class ImageLocksTest {
    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private Path image() throws IOException {
        return TestDisks.image(dir.resolve("disk.img"), 1 << 16);
    }

    private static ErrnoException busy(TestDisks.ThrowingCall call) {
        ErrnoException e = assertThrows(ErrnoException.class, call::run);
        assertEquals(Errno.EBUSY, e.errno(), e.getMessage());
        return e;
    }

    @Test
    void aWriterExcludesEveryOtherOpenerInThisJvm() throws Exception {
        Path img = image();
        try (FileBlockDevice rw = FileBlockDevice.open(img, false)) {
            ErrnoException e = busy(() -> FileBlockDevice.open(img, true));
            assertEquals("open " + img + ": EBUSY (Device or resource busy): image is already open read-write in this process", e.getMessage());
            busy(() -> FileBlockDevice.open(img, false));
            busy(() -> FileBlockDevice.open(dir.resolve(".").resolve("disk.img"), false)); // another name, same file
        }
    }

    @Test
    void readersShareAndExcludeWriters() throws Exception {
        Path img = image();
        try (FileBlockDevice a = FileBlockDevice.open(img, true); FileBlockDevice b = FileBlockDevice.open(img, true)) {
            ErrnoException e = busy(() -> FileBlockDevice.open(img, false));
            assertTrue(e.getMessage().contains("open read-only in this process"), e.getMessage());
            a.close();
            read(b, 0, 512); // the other reader is unaffected
            busy(() -> FileBlockDevice.open(img, false));
        }
        try (FileBlockDevice rw = FileBlockDevice.open(img, false)) {
            rw.write(0, ByteBuffer.wrap(pattern(512, 1))); // after the last close the image is free again
        }
    }

    @Test
    void anotherProcessHoldingItReadWriteMakesEveryOpenBusy() throws Exception {
        Path img = image();
        try (LockHolder other = LockHolder.start(img, false)) {
            assertEquals("held", other.status);
            ErrnoException e = busy(() -> FileBlockDevice.open(img, true));
            assertEquals("open " + img + ": EBUSY (Device or resource busy): image is open read-write by another process", e.getMessage());
            busy(() -> FileBlockDevice.open(img, false));
        }
        FileBlockDevice.open(img, false).close(); // released when the other process closed it
    }

    @Test
    void anotherProcessReadingLetsReadersIn() throws Exception {
        Path img = image();
        try (LockHolder other = LockHolder.start(img, true)) {
            assertEquals("held", other.status);
            FileBlockDevice.open(img, true).close();
            ErrnoException e = busy(() -> FileBlockDevice.open(img, false));
            assertTrue(e.getMessage().contains("image is open read-only by another process"), e.getMessage());
        }
    }

    @Test
    void theLockHoldsForOtherProcessesUntilTheLastDeviceCloses() throws Exception {
        Path img = image();
        FileBlockDevice a = FileBlockDevice.open(img, true);
        FileBlockDevice b = FileBlockDevice.open(img, true);
        a.close(); // POSIX drops a process's locks when any descriptor of the file closes: b must still hold one
        try (LockHolder other = LockHolder.start(img, false)) {
            assertTrue(other.status.contains("EBUSY (Device or resource busy): image is open read-only by another process"), other.status);
        }
        b.close();
        try (LockHolder other = LockHolder.start(img, false)) {
            assertEquals("held", other.status);
        }
    }

    @Test
    void aReopenAfterAnInterruptTakesTheLockAgain() throws Exception {
        Path img = image();
        try (FileBlockDevice dev = FileBlockDevice.open(img, false)) {
            Thread.currentThread().interrupt();
            try {
                dev.write(1, ByteBuffer.wrap(pattern(512, 2))); // the interrupt closes the channel, and with it the lock
            } finally {
                Thread.interrupted();
            }
            try (LockHolder other = LockHolder.start(img, true)) {
                assertTrue(other.status.contains("EBUSY (Device or resource busy): image is open read-write by another process"), other.status);
            }
            assertArrayEquals(pattern(512, 2), read(dev, 1, 512));
        }
    }

    @Test
    void waitingOpenersGetTheImageWhenTheHolderLetsGo() throws Exception {
        Path img = image();
        FileBlockDevice first = FileBlockDevice.open(img, false);
        Future<FileBlockDevice> inJvm = pool.submit(() -> FileBlockDevice.open(img, false, true));
        first.close();
        inJvm.get(60, TimeUnit.SECONDS).close();

        LockHolder other = LockHolder.start(img, false);
        assertEquals("held", other.status);
        Future<FileBlockDevice> acrossProcesses = pool.submit(() -> FileBlockDevice.open(img, true, true));
        other.close();
        try (FileBlockDevice dev = acrossProcesses.get(60, TimeUnit.SECONDS)) {
            read(dev, 0, 512);
        }
    }

    @Test
    void aWaitingOpenerCanBeInterrupted() throws Exception {
        Path img = image();
        try (FileBlockDevice held = FileBlockDevice.open(img, false)) {
            CompletableFuture<Thread> started = new CompletableFuture<>();
            Future<ErrnoException> waiter = pool.submit(() -> {
                started.complete(Thread.currentThread());
                return assertThrows(ErrnoException.class, () -> FileBlockDevice.open(img, true, true));
            });
            started.get().interrupt();
            assertEquals(Errno.EINTR, waiter.get(60, TimeUnit.SECONDS).errno());
        }
        FileBlockDevice.open(img, false).close(); // the interrupted waiter left nothing behind
    }

    /** Other programs' POSIX locks ({@code lockf}, fcntl) count: Python's {@code fcntl.lockf} holds the image. */
    @Test
    void aForeignPosixLockIsRespected() throws Exception {
        Path img = image();
        Peers.require("python3", "python3");
        Process p = HostTools.processBuilder(List.of("python3", "-c",
                "import fcntl,sys\nf=open(sys.argv[1],'r+b')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('held',flush=True)\nsys.stdin.read()",
                img.toString())).redirectErrorStream(true).start();
        try {
            String line = new String(p.getInputStream().readNBytes(5));
            assertEquals("held\n", line);
            busy(() -> FileBlockDevice.open(img, true));
        } finally {
            p.getOutputStream().close();
            p.waitFor(60, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
        FileBlockDevice.open(img, false).close();
    }
}
