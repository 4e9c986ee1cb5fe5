package io.jrump.net.channels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Scattering reads and gathering writes for kernel files that must see one call: a datagram is
 * one {@code recv}/{@code send}, a pipe read must not block again once it has bytes, and a TCP
 * gathering write is one send (so one segment, not one per buffer). The
 * buffers meet the kernel through one buffer of their joint size, at most {@code limit}.
 */
final class Vectored {
    @FunctionalInterface
    interface Transfer {
        int run(ByteBuffer b) throws IOException;
    }

    private Vectored() {
    }

    private static long remaining(ByteBuffer[] bs, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bs.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += bs[i].remaining();
        }
        return total;
    }

    /** Reads once into up to {@code limit} bytes and spreads them over the buffers; the read's own result when it gave none. */
    static long scatter(ByteBuffer[] dsts, int offset, int length, int limit, Transfer read) throws IOException {
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].isReadOnly()) {
                throw new IllegalArgumentException("read-only buffer");
            }
        }
        long want = remaining(dsts, offset, length);
        if (want == 0) {
            return 0;
        }
        ByteBuffer tmp = ByteBuffer.allocate((int) Math.min(want, limit));
        int n = read.run(tmp);
        if (n <= 0) {
            return n;
        }
        tmp.flip();
        for (int i = offset; i < offset + length && tmp.hasRemaining(); i++) {
            ByteBuffer d = dsts[i];
            int k = Math.min(d.remaining(), tmp.remaining());
            d.put(tmp.slice(tmp.position(), k));
            tmp.position(tmp.position() + k);
        }
        return n;
    }

    /**
     * Writes the buffers' bytes (up to {@code limit}) in one call and advances them by what it
     * took. {@code whole}: more than {@code limit} is an error, not a shorter write (a datagram).
     */
    static long gather(ByteBuffer[] srcs, int offset, int length, int limit, boolean whole, Transfer write) throws IOException {
        long have = remaining(srcs, offset, length);
        if (whole && have > limit) {
            throw new IOException("Message too long: " + have + " bytes");
        }
        ByteBuffer tmp = ByteBuffer.allocate((int) Math.min(have, limit));
        for (int i = offset; i < offset + length && tmp.hasRemaining(); i++) {
            ByteBuffer s = srcs[i];
            tmp.put(s.slice(s.position(), Math.min(s.remaining(), tmp.remaining())));
        }
        tmp.flip();
        int n = write.run(tmp);
        int left = Math.max(n, 0);
        for (int i = offset; i < offset + length && left > 0; i++) {
            ByteBuffer s = srcs[i];
            int k = Math.min(s.remaining(), left);
            s.position(s.position() + k);
            left -= k;
        }
        return n;
    }
}
