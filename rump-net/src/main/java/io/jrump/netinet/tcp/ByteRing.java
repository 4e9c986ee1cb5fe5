package io.jrump.netinet.tcp;

import java.nio.ByteBuffer;

/**
 * A fixed-capacity byte ring: a connection's send buffer (bytes from SND.UNA on, acknowledged
 * bytes dropped from the front) or the copying part of its receive buffer (in-order bytes,
 * with out-of-order bytes parked beyond {@link #size()} until the hole before them fills; see
 * {@link ReceiveBuffer}). The array is allocated on first use, so the many connections that
 * never carry data (half-open handshakes, idle listeners' children) cost no buffer memory, and
 * it grows by doubling up to the capacity as data needs it, so large buffer defaults cost only
 * connections that fill them.
 */
final class ByteRing {
    private final int capacity;
    private byte[] data;
    private int head;
    private int size;

    ByteRing(int capacity) {
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    /** Bytes held in order from the front. */
    int size() {
        return size;
    }

    int free() {
        return capacity - size;
    }

    /** First array size; doubled as needed up to {@link #capacity}. */
    static final int INITIAL_ARRAY = 16 << 10;

    /**
     * The array, at least {@code need} bytes long. Growing copies the old ring in logical order
     * (from {@code head}, parked bytes included) to the front of the new one, so every offset
     * from the front keeps its byte.
     */
    private byte[] array(int need) {
        byte[] a = data;
        if (a == null) {
            a = data = new byte[Math.min(capacity, Math.max(INITIAL_ARRAY, need))];
            head = 0;
        } else if (a.length < need) {
            byte[] b = new byte[(int) Math.min(capacity, Math.max(need, 2L * a.length))];
            System.arraycopy(a, head, b, 0, a.length - head);
            System.arraycopy(a, 0, b, a.length - head, head);
            a = data = b;
            head = 0;
        }
        return a;
    }

    /** Appends as much of {@code src} as fits; returns how much. */
    int append(ByteBuffer src) {
        int n = Math.min(free(), src.remaining());
        if (n > 0) {
            putAt(size, src, n);
            size += n;
        }
        return n;
    }

    /**
     * Copies {@code n} bytes of {@code src} to offset {@code off} from the front without
     * changing {@link #size()}: out-of-order data parked for later.
     */
    void putAt(int off, ByteBuffer src, int n) {
        byte[] a = array(off + n);
        int at = (head + off) % a.length;
        int first = Math.min(n, a.length - at);
        src.get(a, at, first);
        src.get(a, 0, n - first);
    }

    /** Counts {@code n} parked bytes beyond the front region as in order. */
    void extend(int n) {
        size += n;
    }

    /** Copies {@code n} bytes starting {@code off} bytes from the front into {@code dst}. */
    void copyOut(int off, ByteBuffer dst, int n) {
        byte[] a = array(off + n);
        int at = (head + off) % a.length;
        int first = Math.min(n, a.length - at);
        dst.put(a, at, first);
        dst.put(a, 0, n - first);
    }

    /** Drops {@code n} bytes from the front. */
    void skip(int n) {
        // head is not reset when the ring empties: parked out-of-order bytes sit relative to it
        if (n > 0) {
            head = (head + n) % data.length;
        }
        size -= n;
    }

    /** Frees the array (the connection is gone). */
    void release() {
        data = null;
        head = 0;
        size = 0;
    }
}
