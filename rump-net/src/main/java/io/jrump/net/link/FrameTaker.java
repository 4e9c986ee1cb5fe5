package io.jrump.net.link;

import io.jrump.api.ErrnoException;
import io.jrump.api.FrameLease;
import io.jrump.api.NetDevice;
import java.nio.ByteBuffer;

/**
 * A device that can take a transmitted frame instead of copying it: the in-memory devices,
 * whose copy in {@link NetDevice#transmit} exists only because the sender may reuse its buffer
 * once the call returns. A sender that never touches the buffer again (Linux hands an skb to
 * the driver the same way) calls {@link #transmitTaken} and saves an allocation and a copy
 * per frame. A wrapper that writes frames out ({@code PcapWriter}) does not offer it; one that
 * passes frames on unchanged ({@code LinkEmulator} without corruption or delay) takes them and
 * hands them to the device it wraps, but does not promise receivers what that device does
 * ({@link #deliversStableFrames}).
 *
 * <p>Guarantee to receivers: frames this device delivers never change afterwards, so a
 * receiver may keep them (the stack holds large TCP payloads by reference instead of copying
 * them). It holds because a delivered frame is either the device's own copy from
 * {@link #transmit} or a buffer given up through {@link #transmitTaken}, and nobody writes
 * either once it is delivered. A wrapper may change or reuse what it passes on, so a wrapper
 * that implements this interface answers {@link #deliversStableFrames} itself.
 */
public interface FrameTaker extends NetDevice {
    /**
     * Like {@link #transmit}, but the frame's bytes belong to the device from now on: the
     * caller must not read or write the buffer after the call, and the device may keep it and
     * hand it to a receiver later. {@link NetDevice#transmitTaken} made abstract again: a taker
     * keeps the buffer where the default copies it.
     */
    @Override
    void transmitTaken(ByteBuffer frame) throws ErrnoException;

    /**
     * Like {@link #transmitTaken(ByteBuffer)}, for a frame in memory lent under {@code lease}
     * (null when it is not lent): the caller knows the lease, so the device need not look it
     * up by the frame's array ({@link FrameLease#of}), which it does by default.
     */
    default void transmitTaken(ByteBuffer frame, FrameLease lease) throws ErrnoException {
        transmitTaken(frame);
    }

    /**
     * Takes {@code count} frames of one burst, the pieces of one segment cut by software GSO, in
     * memory lent under {@code lease} (null: not lent): like {@link #transmitTaken(ByteBuffer,
     * FrameLease)} for each in turn, and a device that delivers in memory hands them to the
     * receiver one right after the other, telling it which is the last
     * ({@link io.jrump.api.NetDevice.Receiver#receive(ByteBuffer, boolean)}), so the receiver
     * may merge them again. The array belongs to the device after the call, as the frames do.
     * This default sends them one by one.
     */
    default void transmitBurst(ByteBuffer[] frames, int count, FrameLease lease) throws ErrnoException {
        for (int i = 0; i < count; i++) {
            transmitTaken(frames[i], lease);
        }
    }

    /**
     * Whether frames this device delivers never change afterwards, the guarantee above: true
     * for the in-memory devices; a wrapper that takes frames only to pass them on may say no.
     */
    default boolean deliversStableFrames() {
        return true;
    }
}
