package io.jrump.virtio;

import io.jrump.api.ErrnoException;

/**
 * How a driver reaches its device (virtio 1.2 section 4): device status, feature bits, the
 * configuration space, queue setup and notifications. virtio-mmio ({@code mmio.MmioTransport})
 * and vhost-user ({@code vhost.VhostUserTransport}) implement it; drivers ({@code blk.VirtioBlk},
 * {@code net.VirtioNet}) see nothing else, so one driver serves both.
 *
 * <p>The initialisation sequence of section 3.1.1 is {@link Negotiation}'s job, not each
 * transport's.
 */
public interface Transport extends AutoCloseable {
    /** For messages: "virtio-mmio@0xa003e00", "vhost-user /run/disk.sock". */
    String describe();

    /** The device type (section 5): 1 network, 2 block. */
    int deviceId() throws ErrnoException;

    /** Writes 0: the device forgets every queue and feature. */
    void reset() throws ErrnoException;

    int status() throws ErrnoException;

    /** ORs {@code bits} into the device status. */
    void addStatus(int bits) throws ErrnoException;

    long deviceFeatures() throws ErrnoException;

    void driverFeatures(long features) throws ErrnoException;

    /** The largest queue the device takes at {@code index}; 0 when there is no such queue. */
    int maxQueueSize(int index) throws ErrnoException;

    /** The shared memory rings and buffers come from. */
    DmaPool dma();

    /**
     * Makes queue {@code index} of {@code size} entries and hands it to the device, in the layout
     * this transport needs. {@code onUsed} runs (on a transport thread, or the device model's)
     * whenever the device signals a used buffer for it; when the transport {@linkplain
     * #callerWaits() lets callers wait} it may be null, and the driver then waits for the
     * queue's interrupts itself with {@link #awaitInterrupt}.
     */
    SplitQueue startQueue(int index, int size, long features, int indirectMax, Runnable onUsed) throws ErrnoException;

    /**
     * Whether a driver may wait for a queue's interrupts on its own thread ({@link
     * #awaitInterrupt}, queues started without a handler), saving the hand-off through a
     * transport thread on every request.
     */
    default boolean callerWaits() {
        return false;
    }

    /**
     * Blocks the calling thread until the device signals {@code queue} (started without a
     * handler) or the timeout passes; one caller at a time per queue. A wake-up may be stale,
     * so the caller reads the used ring rather than trusting it.
     *
     * @return false when the timeout passed without a signal
     * @throws ErrnoException EIO when the transport lost the device
     */
    default boolean awaitInterrupt(SplitQueue queue, long timeoutNanos) throws ErrnoException {
        throw new UnsupportedOperationException(describe() + " delivers interrupts to handlers only");
    }

    /** Tells the device a queue has new available buffers. */
    void notify(SplitQueue queue) throws ErrnoException;

    /** Reads {@code dst.length} bytes of the device-specific configuration space from {@code offset}, consistently (generation-checked). */
    void readConfig(int offset, byte[] dst) throws ErrnoException;

    /**
     * Runs {@code handler} once, with the reason, when the transport loses the device by itself
     * (the backend closed its socket); the driver then fails its waiters at once.
     */
    default void onFailure(java.util.function.Consumer<String> handler) {
    }

    /** Runs when the device says its configuration changed (link status, capacity). */
    default void onConfigChange(Runnable handler) {
    }

    /**
     * Stops talking to the device (it broke the protocol, or timed out): later calls fail, the
     * device is told to let go of the rings where the transport can, but the shared memory
     * stays valid, since a caller may still be copying out of it. Idempotent.
     */
    void disconnect();

    /**
     * Disconnects and releases everything, shared memory included: the caller guarantees no
     * buffer of it is in use any more. Idempotent.
     */
    @Override
    void close();
}
