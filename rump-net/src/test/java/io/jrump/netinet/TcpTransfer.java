package io.jrump.netinet;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_RCVTIMEO;
import static io.jrump.api.SocketConstants.SO_REUSEADDR;
import static io.jrump.api.SocketConstants.SO_SNDTIMEO;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jrump.api.Syscalls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** A one-way TCP transfer between two kernels through their system calls, checked by digest at both ends. */
public final class TcpTransfer {
    private TcpTransfer() {
    }

    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    /** Sends {@code total} seeded random bytes from {@code sa} to {@code dst}:9 on {@code sb}; returns the SHA-256 sent and received. */
    public static byte[][] digests(Syscalls sa, Syscalls sb, String dst, long total) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            int l = sb.socket(AF_INET, SOCK_STREAM, 0);
            sb.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
            sb.bind(l, at("0.0.0.0", 9));
            sb.listen(l, 1);
            Future<byte[]> server = pool.submit(() -> {
                int c = sb.accept(l);
                sb.setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, 30_000);
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                ByteBuffer buf = ByteBuffer.allocate(1 << 16);
                long got = 0;
                while (true) {
                    buf.clear();
                    int n = sb.recv(c, buf, 0);
                    if (n == 0) {
                        break;
                    }
                    md.update(buf.array(), 0, n);
                    got += n;
                }
                sb.close(c);
                sb.close(l);
                assertEquals(total, got);
                return md.digest();
            });
            int c = sa.socket(AF_INET, SOCK_STREAM, 0);
            sa.setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, 30_000);
            sa.connect(c, at(dst, 9));
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Random r = new Random(total);
            byte[] chunk = new byte[1 << 14];
            for (long sent = 0; sent < total; sent += chunk.length) {
                r.nextBytes(chunk);
                md.update(chunk);
                ByteBuffer src = ByteBuffer.wrap(chunk);
                while (src.hasRemaining()) {
                    sa.send(c, src, 0);
                }
            }
            sa.shutdown(c, SHUT_WR);
            byte[] received = server.get(120, TimeUnit.SECONDS);
            sa.close(c);
            return new byte[][] {md.digest(), received};
        } finally {
            pool.shutdownNow();
        }
    }
}
