package io.jrump.netinet;

import io.jrump.api.ErrnoException;
import io.jrump.kern.Cred;
import io.jrump.kern.SocketFile;
import java.nio.ByteBuffer;

/**
 * A transport protocol (UDP, TCP) attached to the IPv4 layer: datagrams for its protocol
 * number go up to {@link #input}, and it makes the sockets of its type. The IP layer looks
 * transports up by protocol number; the socket layer by socket type.
 */
public interface Transport extends AutoCloseable {
    /** IP protocol number (IPPROTO_TCP = 6, ...). */
    int protocol();

    /** Socket type this transport serves (SOCK_STREAM, SOCK_DGRAM). */
    int socketType();

    /**
     * A datagram arrived for this protocol: {@code segment} holds the transport header onwards
     * and is valid only during the call. The transport validates it (checksum over the pseudo
     * header with {@code src}/{@code dst}) and drops and counts what is malformed.
     */
    void input(int src, int dst, ByteBuffer segment);

    /**
     * Flag for {@link #input(int, int, ByteBuffer, int)}: the datagram came whole from a device
     * with {@code RX_CHECKSUM}, so a checksum carrying the partial mark
     * ({@link io.jrump.net.wire.PartialChecksum}) was left so by a sender in memory and need not
     * be verified (Linux's {@code CHECKSUM_UNNECESSARY}). Any other checksum is still verified.
     */
    int PARTIAL_TRUSTED = 1;

    /**
     * Flag for {@link #input(int, int, ByteBuffer, int)}: the datagram came whole from a device
     * whose frames never change after delivery ({@link io.jrump.net.NetIf#framesStayValid()}),
     * so the transport may keep read-only views of {@code segment}'s bytes after the call
     * instead of copying them. A reassembled datagram never has it: its buffer is the
     * reassembly's.
     */
    int KEEPABLE = 2;

    /**
     * Like {@link #input(int, int, ByteBuffer)}, with what the IP layer knows of the datagram
     * in {@code flags}: {@link #PARTIAL_TRUSTED}, {@link #KEEPABLE}.
     */
    default void input(int src, int dst, ByteBuffer segment, int flags) {
        input(src, dst, segment);
    }

    /**
     * An ICMP error (RFC 1122 3.2.2) about a datagram this transport sent: {@code quoted}
     * starts at the transport header of the offending datagram (at least 8 bytes).
     */
    default void icmpError(int type, int code, int src, int dst, ByteBuffer quoted) {
    }

    SocketFile socket(Cred cred, int statusFlags) throws ErrnoException;

    /** The kernel is closing: abort every connection, cancel every timer. */
    @Override
    void close();
}
