package io.jrump.netinet;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_RCVTIMEO;
import static io.jrump.api.SocketConstants.SO_REUSEADDR;
import static io.jrump.api.SocketConstants.SO_SNDTIMEO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Syscalls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Bulk TCP between Linux's {@code nc} in a {@link TapLink}'s namespace and the link's kernel,
 * streamed through nc's standard input or output (no files), hashed with SHA-256 on both
 * sides. The data is a seeded random block with each block's first eight bytes replaced by its
 * index, so a lost, repeated or reordered block changes the digest as surely as a flipped bit,
 * and generating a gigabyte costs next to nothing.
 */
final class NcTransfer {
    /** What was sent and received, and how long the transfer took (first byte offered to last byte read). */
    record Result(long bytes, byte[] sent, byte[] received, long nanos) {
        double mibPerSecond() {
            return bytes / (1024.0 * 1024.0) / (nanos / 1e9);
        }
    }

    private static final int BLOCK = 1 << 16;

    private NcTransfer() {
    }

    /** The {@code i}th block of the stream (fills {@code b}). */
    private static void block(byte[] base, long i, byte[] b) {
        System.arraycopy(base, 0, b, 0, BLOCK);
        ByteBuffer.wrap(b).putLong(0, i);
    }

    private static byte[] base(long seed) {
        byte[] b = new byte[BLOCK];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** nc connects to a jrump listener on {@code port} and sends {@code size} bytes. */
    static Result linuxToJrump(TapLink link, long size, int port, ExecutorService pool) throws Exception {
        Syscalls sys = link.kernel.sys();
        int l = sys.socket(AF_INET, SOCK_STREAM, 0);
        sys.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
        sys.bind(l, new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
        sys.listen(l, 1);
        Future<Object[]> server = pool.submit(() -> {
            int c = sys.accept(l);
            sys.setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, 30_000);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 17);
            long got = 0;
            while (true) {
                buf.clear();
                int n = sys.recv(c, buf, 0);
                if (n == 0) {
                    break;
                }
                md.update(buf.array(), 0, n);
                got += n;
            }
            long end = System.nanoTime();
            sys.close(c);
            return new Object[] {got, md.digest(), end};
        });
        Process nc = new ProcessBuilder(link.nsCommand("nc", "-N", "-n", link.jrumpIp, String.valueOf(port)))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] base = base(size ^ port);
            byte[] b = new byte[BLOCK];
            long start = System.nanoTime();
            try (OutputStream out = nc.getOutputStream()) {
                for (long i = 0, sent = 0; sent < size; i++, sent += BLOCK) {
                    block(base, i, b);
                    int len = (int) Math.min(BLOCK, size - sent);
                    md.update(b, 0, len);
                    out.write(b, 0, len);
                }
            }
            assertTrue(nc.waitFor(120, TimeUnit.SECONDS), "nc ended");
            assertEquals(0, nc.exitValue(), "nc's exit status");
            Object[] r = server.get(120, TimeUnit.SECONDS);
            return new Result((Long) r[0], md.digest(), (byte[]) r[1], (Long) r[2] - start);
        } finally {
            nc.destroy();
            server.cancel(true);
            sys.close(l);
        }
    }

    /** jrump connects to nc listening on Linux's {@code port} and sends {@code size} bytes; nc's output is hashed. */
    static Result jrumpToLinux(TapLink link, long size, int port, ExecutorService pool) throws Exception {
        Process nc = new ProcessBuilder(link.nsCommand("nc", "-l", "-n", "-d", link.linuxIp, String.valueOf(port)))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Future<Object[]> reader = pool.submit(() -> {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] b = new byte[1 << 17];
            long got = 0;
            try (InputStream in = nc.getInputStream()) {
                int n;
                while ((n = in.read(b)) > 0) {
                    md.update(b, 0, n);
                    got += n;
                }
            }
            return new Object[] {got, md.digest(), System.nanoTime()};
        });
        Syscalls sys = link.kernel.sys();
        try {
            int c = connectWithRetry(sys, new InetSocketAddress(InetAddress.getByName(link.linuxIp), port));
            try {
                sys.setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, 30_000);
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] base = base(size ^ port);
                byte[] b = new byte[BLOCK];
                long start = System.nanoTime();
                for (long i = 0, sent = 0; sent < size; i++, sent += BLOCK) {
                    block(base, i, b);
                    int len = (int) Math.min(BLOCK, size - sent);
                    md.update(b, 0, len);
                    ByteBuffer src = ByteBuffer.wrap(b, 0, len);
                    while (src.hasRemaining()) {
                        sys.send(c, src, 0);
                    }
                }
                sys.shutdown(c, SHUT_WR);
                Object[] r = reader.get(120, TimeUnit.SECONDS);
                assertTrue(nc.waitFor(30, TimeUnit.SECONDS), "nc ended after jrump's FIN");
                assertEquals(0, nc.exitValue(), "nc's exit status");
                return new Result((Long) r[0], md.digest(), (byte[]) r[1], (Long) r[2] - start);
            } finally {
                sys.close(c);
            }
        } finally {
            nc.destroy();
            nc.waitFor(10, TimeUnit.SECONDS);
            reader.cancel(true);
        }
    }

    /** Connects, retrying while the listener on Linux is not up yet (ECONNREFUSED). */
    private static int connectWithRetry(Syscalls sys, InetSocketAddress to) throws Exception {
        for (int i = 0;; i++) {
            int c = sys.socket(AF_INET, SOCK_STREAM, 0);
            try {
                sys.connect(c, to);
                return c;
            } catch (ErrnoException e) {
                sys.close(c);
                if (e.errno() != Errno.ECONNREFUSED || i >= 100) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }
}
