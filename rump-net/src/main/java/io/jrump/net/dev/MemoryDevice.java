package io.jrump.net.dev;

import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import io.jrump.api.NetDevice;
import io.jrump.net.link.FrameTaker;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;

/**
 * What devices that carry frames in memory (loopback, bus ports) share: the receiver slot, the
 * link going down on close, delivery that skips closed devices, and the copy a transmitted
 * frame needs because the sender may reuse its buffer as soon as {@code transmit} returns,
 * and the way around it for senders that do not ({@link FrameTaker}).
 *
 * <p>Frames between memory devices never leave the JVM and every receiver is a memory device
 * too, so they offer checksum offload both ways, as Linux's {@code lo} and veth do: the stack
 * need not compute transport checksums for them nor verify the ones it left partial. For the
 * same reason they offer segmentation offload: no wire limits a frame, so a TCP segment of up
 * to 64 KiB travels whole and costs one delivery instead of dozens. Wrappers
 * that write frames out or damage them decide for themselves ({@link PcapWriter},
 * {@link LinkEmulator}).
 */
abstract class MemoryDevice implements FrameTaker {
    /** TX and RX checksum offload and segmentation offload. */
    static final Set<Offload> MEMORY_OFFLOADS = java.util.Collections.unmodifiableSet(EnumSet.of(Offload.TX_CHECKSUM, Offload.RX_CHECKSUM, Offload.SEGMENTATION));

    private volatile Receiver receiver;
    private volatile boolean closed;

    static ByteBuffer copy(ByteBuffer frame) {
        ByteBuffer c = ByteBuffer.allocate(frame.remaining());
        c.put(0, frame, frame.position(), frame.remaining());
        return c;
    }

    /** A taken frame whose lease, if its memory is lent, is looked up by its array. */
    @Override
    public final void transmitTaken(ByteBuffer frame) throws ErrnoException {
        transmitTaken(frame, frame.hasArray() ? FrameLease.of(frame.array()) : null);
    }

    /** {@code lease} retained for this device until delivery ends; null stays null. */
    static FrameLease retained(FrameLease lease) {
        return lease == null ? null : lease.retain();
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

    /** Delivers one frame of a burst: {@code more} when the next frame of the burst follows at once. */
    final void deliver(ByteBuffer frame, boolean more) {
        Receiver r = receiver;
        if (r != null && !closed) {
            r.receive(frame, more);
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
    public Set<Offload> offloads() {
        return MEMORY_OFFLOADS;
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
