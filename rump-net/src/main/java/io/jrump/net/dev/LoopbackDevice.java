package io.jrump.net.dev;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import java.nio.ByteBuffer;

/**
 * The device under {@code lo0}: every transmitted frame comes back as received, in order, on
 * a transmitting thread but never nested inside a receive in progress (see {@link Trampoline}). The MTU is large, as on NetBSD (33,184) and Linux (65,536), so local
 * traffic is not fragmented.
 */
public final class LoopbackDevice extends MemoryDevice {
    /** Linux's loopback MTU. */
    public static final int MTU = 65536 - 14;

    private final Trampoline trampoline = new Trampoline();

    @Override
    public byte[] macAddress() {
        return new byte[6];
    }

    @Override
    public int mtu() {
        return MTU;
    }

    @Override
    public void transmit(ByteBuffer frame) throws ErrnoException {
        if (isClosed()) {
            throw new ErrnoException(Errno.ENXIO, "loopback device closed");
        }
        ByteBuffer copy = copy(frame);
        trampoline.run(() -> deliver(copy));
    }

    @Override
    public void transmitTaken(ByteBuffer frame, FrameLease lease) throws ErrnoException {
        if (isClosed()) {
            throw new ErrnoException(Errno.ENXIO, "loopback device closed");
        }
        ByteBuffer f = frame.position() == 0 ? frame : frame.slice();
        FrameLease held = retained(lease);
        trampoline.run(() -> FrameLease.deliver(held, () -> deliver(f)));
    }
}
