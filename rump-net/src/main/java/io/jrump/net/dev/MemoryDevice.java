package io.jrump.net.dev;

import io.jrump.api.NetDevice;
import java.nio.ByteBuffer;

/**
 * What devices that carry frames in memory (loopback, bus ports) share: the receiver slot, the
 * link going down on close, delivery that skips closed devices, and the copy a transmitted
 * frame needs because the sender may reuse its buffer as soon as {@code transmit} returns.
 */
abstract class MemoryDevice implements NetDevice {
    private volatile Receiver receiver;
    private volatile boolean closed;

    static ByteBuffer copy(ByteBuffer frame) {
        ByteBuffer c = ByteBuffer.allocate(frame.remaining());
        c.put(0, frame, frame.position(), frame.remaining());
        return c;
    }

    final boolean isClosed() {
        return closed;
    }

    final void deliver(ByteBuffer frame) {
        Receiver r = receiver;
        if (r != null && !closed) {
            r.receive(frame);
        }
    }

    /** Called once by {@link #close()} after the device stops delivering. */
    void closed() {
    }

    @Override
    public final void receiver(Receiver r) {
        receiver = r;
    }

    @Override
    public final boolean isLinkUp() {
        return !closed;
    }

    @Override
    public final void close() {
        closed = true;
        receiver = null;
        closed();
    }
}
