package io.jrump.xen.ring;

import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;

/**
 * How one kind of ring entry (a request or a response of a device protocol) is laid out in
 * the shared page. {@link #decode} reads what the other domain wrote and must validate it.
 */
public interface RingCodec<T> {
    /** Bytes of the C struct, padding included. */
    int size();

    void encode(T value, ByteBuffer page, int offset);

    /** @throws ErrnoException EIO naming what is wrong with an entry the other side wrote */
    T decode(ByteBuffer page, int offset) throws ErrnoException;
}
