package io.jrump.virtio.model;

/** What a device model does wrong on purpose, to test how drivers survive broken devices. */
public enum Fault {
    /** Behaves. */
    NONE,
    /** Completes every request with an error status (virtio-blk IOERR). */
    IO_ERROR,
    /** Takes requests and never returns them: the driver must time out, not hang. */
    STOP_ANSWERING,
    /** Moves {@code used.idx} far past what was issued. */
    USED_IDX_JUMP,
    /** Returns an id the driver never issued. */
    UNKNOWN_ID,
    /** Claims to have written more bytes than the chain's writable buffers hold. */
    LENGTH_PAST_BUFFER
}
