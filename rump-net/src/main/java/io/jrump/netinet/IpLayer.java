package io.jrump.netinet;

import io.jrump.api.ErrnoException;
import io.jrump.net.link.NetClock;
import io.jrump.net.wire.Ipv4Packet;
import io.jrump.net.wire.PartialChecksum;
import java.nio.ByteBuffer;

/**
 * What the IPv4 layer offers the transport protocols above it (RFC 1122 section 3.4): send a
 * datagram, pick a source address and learn the path MTU, and the clock everything runs on.
 * Addresses are IPv4 addresses in host byte order in an {@code int}.
 */
public interface IpLayer {
    /**
     * Sends {@code payload} (the transport header onwards, from position to limit) to
     * {@code dst}. {@code src} 0 lets the route choose. Fragments when larger than the MTU.
     *
     * @throws ErrnoException ENETUNREACH / EHOSTUNREACH without a route, EMSGSIZE over 65,515 bytes,
     *     ENOBUFS when the interface queue is full
     */
    void output(int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException;

    /**
     * Bytes a transport leaves free in front of a payload it passes to {@link #outputInPlace}:
     * room for the IPv4 header and the Ethernet header below it.
     */
    int HEADROOM = 20 + 14;

    /**
     * Like {@link #output}, but the bytes of {@code payload}'s buffer before its position are
     * free: when there are at least {@link #HEADROOM} of them and no fragmenting is needed,
     * the IP and link headers are written there and the whole frame leaves without a copy.
     * The buffer belongs to the IP layer afterwards.
     */
    default void outputInPlace(int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException {
        output(src, dst, protocol, payload);
    }

    /**
     * Like {@link #outputInPlace}, for a TCP or UDP segment whose checksum the transport left
     * to the layers below (Linux's {@code CHECKSUM_PARTIAL}): when the outgoing device offers
     * {@code TX_CHECKSUM} and the datagram leaves whole, the checksum field is set to the partial
     * mark ({@link PartialChecksum}) and nobody computes it; otherwise it is computed here, as
     * Linux's {@code skb_checksum_help} does for a device without checksum offload.
     * {@code src} must not be 0. This default always computes it.
     */
    default void outputPartial(int src, int dst, int protocol, ByteBuffer payload) throws ErrnoException {
        PartialChecksum.fill(payload, payload.position(), payload.remaining(), src, dst, protocol);
        outputInPlace(src, dst, protocol, payload);
    }

    /**
     * Like {@link #outputPartial} for a TCP segment that may be longer than the MTU (up to
     * {@link #segmentableDatagramFor}): the interface cuts it into segments of
     * {@code segmentSize} payload bytes just before the device (software GSO), each with its
     * own IPv4 identification and checksums, unless the device carries it whole. This default
     * cuts nothing.
     */
    default void outputSegments(int src, int dst, ByteBuffer segment, int segmentSize) throws ErrnoException {
        outputPartial(src, dst, Ipv4Packet.PROTO_TCP, segment);
    }

    /**
     * The largest TCP datagram (IP header included) {@link #outputSegments} takes for
     * {@code dst} without fragmenting: 65,535 on an interface that cuts segments itself or
     * whose device carries them whole. This default is {@link #wholeDatagramFor}.
     */
    default int segmentableDatagramFor(int dst) throws ErrnoException {
        return wholeDatagramFor(dst, Ipv4Packet.PROTO_TCP);
    }

    /** The source address a datagram to {@code dst} would carry; ENETUNREACH without a route. */
    int sourceFor(int dst) throws ErrnoException;

    /** The MTU of the interface the route to {@code dst} leaves through (IP header included). */
    int mtuFor(int dst) throws ErrnoException;

    /**
     * The largest datagram of {@code protocol} (IP header included) that leaves for {@code dst}
     * whole: the MTU, or 65,535 for TCP when the interface's device offers segmentation offload.
     * This default knows no offload.
     */
    default int wholeDatagramFor(int dst, int protocol) throws ErrnoException {
        return mtuFor(dst);
    }

    /** Whether {@code address} is one of this kernel's (or 0.0.0.0 / loopback). */
    boolean isLocal(int address);

    /** Real or virtual time, timers and entropy for the whole stack. */
    NetClock clock();

    /** Where protocols count what happened ("tcp.retransmits"). */
    Counters counters();
}
