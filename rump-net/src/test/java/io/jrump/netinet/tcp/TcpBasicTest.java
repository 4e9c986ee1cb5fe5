package io.jrump.netinet.tcp;

import static io.jrump.netinet.tcp.Pair.A;
import static io.jrump.netinet.tcp.Pair.B;
import static io.jrump.netinet.tcp.Pair.SECOND;
import static io.jrump.netinet.tcp.Pair.addr;
import static io.jrump.netinet.tcp.Pair.errnoOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.PollFd;
import io.jrump.api.SocketConstants;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The first things TCP must do: handshake, data both ways, orderly close, retransmission, refusal, time-out. */
class TcpBasicTest {

    @Test
    void handshakeDataBothWaysAndClose() throws Exception {
        Pair p = new Pair(1, "tcp.msl=2000");
        TcpSocket l = Pair.listen(p.b, 80);
        TcpSocket[] cs = p.connect(l, 80);
        TcpSocket c = cs[0];
        TcpSocket s = cs[1];
        assertEquals(TcpState.ESTABLISHED, c.connection().state());
        assertEquals(TcpState.ESTABLISHED, s.connection().state());
        assertEquals(addr(A, c.getsockname().getPort()), s.getpeername());
        assertEquals(addr(B, 80), c.getpeername());

        Pair.send(c, "hello");
        p.net.runFor(SECOND);
        assertEquals("hello", Pair.readNow(s));
        Pair.send(s, "world");
        p.net.runFor(SECOND);
        assertEquals("world", Pair.readNow(c));

        c.closeFile();
        p.net.runFor(SECOND);
        assertEquals(TcpState.CLOSE_WAIT, s.connection().state());
        assertEquals("", Pair.readNow(s), "end of stream after the peer's FIN");
        s.closeFile();
        p.net.runFor(SECOND);
        assertEquals(TcpState.CLOSED, s.connection().state());
        assertEquals(TcpState.TIME_WAIT, c.connection().state(), "the active closer waits 2 MSL");
        p.net.runFor(5 * SECOND);
        assertEquals(TcpState.CLOSED, c.connection().state());
        assertEquals(0, p.a.connectionCount());
        assertEquals(0, p.b.connectionCount());
        assertEquals(0, p.a.ports().size(), "the client's ephemeral port is released after TIME_WAIT");
    }

    @Test
    void lostSegmentIsRetransmittedAfterTimeout() throws Exception {
        // RFC 6298's floor: no timeout within the first half second; without SACK no tail loss probe repairs it first
        Pair p = new Pair(2, "tcp.rto_min=1000", "tcp.sack=false");
        TcpSocket l = Pair.listen(p.b, 80);
        TcpSocket[] cs = p.connect(l, 80);
        int[] dropped = {0};
        p.net.filter = b -> {
            TcpSegment seg = new TcpSegment(b);
            if (seg.payloadLength() > 0 && dropped[0] == 0) {
                dropped[0]++;
                return false;
            }
            return true;
        };
        Pair.send(cs[0], "only once");
        p.net.runFor(SECOND / 2);
        assertEquals(Errno.EAGAIN, errnoOf(() -> cs[1].recvfrom(ByteBuffer.allocate(10), 0)));
        p.net.runFor(3 * SECOND);
        assertEquals("only once", Pair.readNow(cs[1]));
        assertEquals(1, p.ipA.count("tcp.timeouts"));
        assertTrue(p.ipA.count("tcp.retransmits") >= 1);
    }

    @Test
    void connectToClosedPortIsRefused() throws Exception {
        Pair p = new Pair(3);
        TcpSocket c = Pair.startConnect(p.a, B, 81);
        p.net.runFor(SECOND);
        assertTrue((c.poll(PollFd.POLLOUT) & PollFd.POLLERR) != 0, "POLLERR after the refusal");
        assertEquals(Errno.ECONNREFUSED.number(), c.getsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_ERROR));
        assertEquals(0, c.getsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_ERROR), "SO_ERROR clears");
        assertEquals(1, p.ipB.count("tcp.out.resets"));
    }

    @Test
    void connectAgainReportsRefusal() throws Exception {
        Pair p = new Pair(3);
        TcpSocket c = Pair.startConnect(p.a, B, 81);
        assertEquals(Errno.EALREADY, errnoOf(() -> c.connect(addr(B, 81))));
        p.net.runFor(SECOND);
        assertEquals(Errno.ECONNREFUSED, errnoOf(() -> c.connect(addr(B, 81))));
    }

    @Test
    void connectToSilentHostTimesOut() throws Exception {
        Pair p = new Pair(4, "tcp.syn_retries=2");
        TcpSocket c = Pair.startConnect(p.a, 0x0a000063, 80);
        p.net.runFor(2 * SECOND);
        assertEquals(Errno.EALREADY, errnoOf(() -> c.connect(addr(0x0a000063, 80))));
        p.net.runFor(60 * SECOND); // 1 + 2 + 4 s of backoff, then give up
        assertEquals(Errno.ETIMEDOUT, errnoOf(() -> c.connect(addr(0x0a000063, 80))));
        assertEquals(2, p.ipA.count("tcp.timeouts"));
        assertEquals(0, p.a.connectionCount());
    }

    @Test
    void transferArrivesByteExact() throws Exception {
        Pair p = new Pair(5);
        TcpSocket l = Pair.listen(p.b, 80);
        TcpSocket[] cs = p.connect(l, 80);
        byte[] data = Pair.pattern(1 << 20, 5);
        byte[] got = p.transfer(cs[0], cs[1], data, 60 * SECOND);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(got));
        assertNull(errnoOf(() -> cs[1].sendto(ByteBuffer.wrap(new byte[] {1}), 0, null)), "half-closed: the other way still works");
    }
}
