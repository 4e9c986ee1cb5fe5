package io.jrump.netinet.tcp;

import io.jrump.api.ErrnoException;
import io.jrump.net.link.NetClock;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;

/**
 * What a connection needs from the transport it belongs to: the stack's settings, clock and
 * counters, its secrets, the path to the peer, a way to send, and its table. {@link
 * TcpTransport} implements it; a connection and its parts see nothing else of the transport
 * (no IP layer, no port table, no listener table).
 */
interface TcpHost {
    TcpConfig config();

    NetClock clock();

    TcpStats stats();

    /** The initial sequence number for a connection on {@code tuple} (RFC 6528). */
    int isn(Tuple tuple);

    /** A random 32-bit number. */
    int random();

    /**
     * The offset of the timestamp clock of a connection on {@code tuple} (RFC 7323 7.1): keyed
     * by the 4-tuple, so a new incarnation of a connection carries timestamps above the old
     * one's and a peer still in TIME_WAIT for it takes its SYN (RFC 6191), as Linux's offset does.
     */
    int tsOffset(Tuple tuple);

    /** The MTU of the route to {@code raddr}, IP header included. */
    int mtuFor(int raddr) throws ErrnoException;

    /**
     * The largest TCP datagram (IP header included) the route to {@code raddr} takes whole: the
     * device carries it (segmentation offload), or the interface cuts it into segments of the
     * size {@link #transmit} names (software GSO).
     */
    int wholeDatagramFor(int raddr) throws ErrnoException;

    /**
     * Sends a segment whose checksum is still partial; a failure counts as a loss. A segment
     * longer than the route's MTU carries is cut below into segments of {@code segmentSize}
     * payload bytes (the connection's MSS), each what the connection would have built itself.
     */
    void transmit(Tuple tuple, ByteBuffer segment, int segmentSize);

    /** A RST with no connection state behind it. */
    void sendReset(Tuple tuple, int seq, int ack, boolean withAck);

    /** RFC 5961 section 7: whether the stack-wide challenge-ACK budget allows one more. */
    boolean allowChallengeAck();

    /** The connection reached CLOSED: forget its tuple and release its port. */
    void remove(TcpConnection c);

    /** Blocks a socket call on {@code monitor}, spinning first for up to {@code spinNanos}; see {@link TcpTransport#await(ReentrantLock, Object, long, IntSupplier, int, long)}. */
    void await(ReentrantLock lock, Object monitor, long deadline, IntSupplier wakeups, int seen, long spinNanos) throws ErrnoException;
}
