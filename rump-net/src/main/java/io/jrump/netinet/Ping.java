package io.jrump.netinet;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.SocketConstants;
import io.jrump.api.Syscalls;
import io.jrump.net.wire.Icmpv4Packet;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * ping(8) for a kernel, through its system calls only: an ICMP ping socket
 * ({@code socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)}) sends echo requests and waits for the
 * replies. Usable by any program that holds a kernel's {@link Syscalls}; the demo and the tests
 * use it. Round-trip times are host time.
 */
public final class Ping {
    /** ping(8)'s default payload: 56 bytes, 64 with the ICMP header. */
    public static final int DEFAULT_DATA = 56;

    /** One answered request. */
    public record Reply(int sequence, InetAddress from, long rttNanos) {
    }

    private Ping() {
    }

    /**
     * Sends {@code count} echo requests to {@code address} (dotted quad), one after the other,
     * each waiting up to {@code timeoutMillis} for its reply; returns the replies received.
     */
    public static List<Reply> ping(Syscalls sys, String address, int count, int timeoutMillis) throws ErrnoException {
        InetAddress dst;
        try {
            dst = InetAddress.getByAddress(address, io.jrump.net.wire.Ipv4Address.toInetAddress(io.jrump.net.wire.Ipv4Address.parse(address)).getAddress());
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new ErrnoException(Errno.EINVAL, "not an IPv4 address: " + address);
        }
        int fd = sys.socket(SocketConstants.AF_INET, SocketConstants.SOCK_DGRAM, SocketConstants.IPPROTO_ICMP);
        try {
            sys.setsockopt(fd, SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVTIMEO, timeoutMillis);
            List<Reply> replies = new ArrayList<>();
            for (int seq = 1; seq <= count; seq++) {
                ByteBuffer req = ByteBuffer.allocate(Icmpv4Packet.HEADER_LEN + DEFAULT_DATA);
                req.put(0, (byte) Icmpv4Packet.TYPE_ECHO_REQUEST);
                req.putShort(6, (short) seq);
                for (int i = Icmpv4Packet.HEADER_LEN; i < req.capacity(); i++) {
                    req.put(i, (byte) i);
                }
                long start = System.nanoTime();
                sys.sendto(fd, req, 0, new InetSocketAddress(dst, 0));
                Reply r = await(sys, fd, seq, start);
                if (r != null) {
                    replies.add(r);
                }
            }
            return replies;
        } finally {
            sys.close(fd);
        }
    }

    private static Reply await(Syscalls sys, int fd, int seq, long start) throws ErrnoException {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (true) {
            buf.clear();
            InetSocketAddress from;
            try {
                from = sys.recvfrom(fd, buf, 0);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EAGAIN) {
                    return null;
                }
                throw e;
            }
            buf.flip();
            if (buf.remaining() >= Icmpv4Packet.HEADER_LEN && (buf.get(0) & 0xff) == Icmpv4Packet.TYPE_ECHO_REPLY
                    && (buf.getShort(6) & 0xffff) == seq) {
                return new Reply(seq, from.getAddress(), System.nanoTime() - start);
            }
        }
    }
}
