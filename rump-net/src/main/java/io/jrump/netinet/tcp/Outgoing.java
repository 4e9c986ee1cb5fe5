package io.jrump.netinet.tcp;

import io.jrump.api.FrameLease;
import java.nio.ByteBuffer;

/**
 * A built segment on its way to the IP layer: its buffer and, when that buffer is send buffer
 * memory lent in place ({@link SendBuffer#lend}), the memory's lease (else null). The flushing
 * thread hands the lease (or that there is none) down with the segment
 * ({@link FrameLease#sending}), so the device below finds it without a registry lookup per
 * frame. {@code segmentSize} is the payload of each wire segment the interface cuts it into when
 * it is longer than the MTU (software GSO): the connection's MSS. {@code scratch}: the memory
 * is a copy lent for this segment only ({@link SendBuffer#scratch}), whose loan the sender ends
 * once the segment is handed down.
 */
record Outgoing(ByteBuffer segment, FrameLease lease, int segmentSize, boolean scratch) {
}
