package io.jrump.netinet.tcp;

import static io.jrump.netinet.tcp.Pair.A;
import static io.jrump.netinet.tcp.Pair.B;
import static io.jrump.netinet.tcp.Pair.SECOND;
import static io.jrump.netinet.tcp.Pair.addr;
import static io.jrump.netinet.tcp.Pair.errnoOf;
import static io.jrump.netinet.tcp.Pair.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.PollFd;
import io.jrump.api.SocketConstants;
import io.jrump.net.wire.TcpOptions;
import io.jrump.net.wire.TcpSegment;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** State machine corners: simultaneous open and close, half-close, RST per state, RFC 5961, PAWS, options, malformed input. */
class TcpStateTest {

    @Test
    void simultaneousOpen() throws Exception {
        Pair p = new Pair(10);
        TcpSocket x = Pair.socket(p.a);
        TcpSocket y = Pair.socket(p.b);
        x.bind(addr(0, 5000));
        y.bind(addr(0, 6000));
        assertEquals(Errno.EINPROGRESS, errnoOf(() -> x.connect(addr(B, 6000))));
        assertEquals(Errno.EINPROGRESS, errnoOf(() -> y.connect(addr(A, 5000))));
        p.net.runFor(5 * SECOND);
        assertEquals(TcpState.ESTABLISHED, x.connection().state());
        assertEquals(TcpState.ESTABLISHED, y.connection().state());
        Pair.send(x, "crossed");
        p.net.runFor(SECOND);
        assertEquals("crossed", Pair.readNow(y));
    }

    @Test
    void simultaneousCloseGoesThroughClosingToTimeWait() throws Exception {
        Pair p = new Pair(11, "tcp.msl=1000");
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        cs[0].shutdown(SocketConstants.SHUT_WR);
        cs[1].shutdown(SocketConstants.SHUT_WR);
        assertEquals(TcpState.FIN_WAIT_1, cs[0].connection().state());
        assertEquals(TcpState.FIN_WAIT_1, cs[1].connection().state());
        p.net.runFor(SECOND / 2);
        assertEquals(TcpState.TIME_WAIT, cs[0].connection().state());
        assertEquals(TcpState.TIME_WAIT, cs[1].connection().state());
        p.net.runFor(3 * SECOND);
        assertEquals(TcpState.CLOSED, cs[0].connection().state());
        assertEquals(TcpState.CLOSED, cs[1].connection().state());
    }

    @Test
    void halfCloseKeepsTheOtherDirectionOpen() throws Exception {
        Pair p = new Pair(12);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        cs[0].shutdown(SocketConstants.SHUT_WR);
        assertEquals(Errno.EPIPE, errnoOf(() -> cs[0].sendto(ByteBuffer.wrap(new byte[1]), 0, null)));
        p.net.runFor(SECOND);
        assertEquals("", Pair.readNow(cs[1]));
        assertTrue((cs[1].poll(PollFd.POLLIN) & PollFd.POLLIN) != 0, "EOF is readable");
        for (int i = 0; i < 5; i++) {
            Pair.send(cs[1], "more " + i + ";");
            p.net.runFor(SECOND / 10);
        }
        assertEquals("more 0;more 1;more 2;more 3;more 4;", Pair.readNow(cs[0]));
        assertEquals(TcpState.FIN_WAIT_2, cs[0].connection().state());
        assertEquals(TcpState.CLOSE_WAIT, cs[1].connection().state());
    }

    /** Injects a RST from B's side at exactly RCV.NXT of A's connection. */
    private static void resetA(Pair p, TcpSocket aSide) {
        TcpConnection c = aSide.connection();
        p.a.input(B, A, raw(B, c.tuple.rport(), A, c.tuple.lport(), c.rcvNxt(), 0, TcpSegment.RST, 0, null, new byte[0]));
    }

    @Test
    void resetInEstablishedGivesEconnresetThenEpipe() throws Exception {
        Pair p = new Pair(13);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        resetA(p, cs[0]);
        assertEquals(TcpState.CLOSED, cs[0].connection().state());
        assertTrue((cs[0].poll(PollFd.POLLIN) & (PollFd.POLLERR | PollFd.POLLHUP)) != 0);
        assertEquals(Errno.ECONNRESET, errnoOf(() -> cs[0].recvfrom(ByteBuffer.allocate(8), 0)));
        assertEquals(Errno.EPIPE, errnoOf(() -> cs[0].sendto(ByteBuffer.wrap(new byte[1]), 0, null)));
        assertEquals(1, p.ipA.count("tcp.estab_resets"));
    }

    @Test
    void resetInEveryClosingState() throws Exception {
        // FIN_WAIT_1 (peer silent), FIN_WAIT_2, CLOSE_WAIT, LAST_ACK (peer silent), CLOSING
        for (TcpState target : new TcpState[] {TcpState.FIN_WAIT_1, TcpState.FIN_WAIT_2, TcpState.CLOSE_WAIT, TcpState.LAST_ACK, TcpState.CLOSING}) {
            Pair p = new Pair(14);
            TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
            switch (target) {
                case FIN_WAIT_1 -> {
                    p.net.filter = b -> false;
                    cs[0].shutdown(SocketConstants.SHUT_WR);
                }
                case FIN_WAIT_2 -> {
                    cs[0].shutdown(SocketConstants.SHUT_WR);
                    p.net.runFor(SECOND);
                }
                case CLOSE_WAIT -> {
                    cs[1].shutdown(SocketConstants.SHUT_WR);
                    p.net.runFor(SECOND);
                }
                case LAST_ACK -> {
                    cs[1].shutdown(SocketConstants.SHUT_WR);
                    p.net.runFor(SECOND);
                    p.net.filter = b -> false;
                    cs[0].shutdown(SocketConstants.SHUT_WR);
                }
                case CLOSING -> {
                    p.net.filter = b -> false;
                    cs[0].shutdown(SocketConstants.SHUT_WR);
                    // the peer's FIN arrives, our FIN is not acknowledged
                    TcpConnection c = cs[0].connection();
                    p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt(), c.sndUna(), TcpSegment.FIN | TcpSegment.ACK, 65535, null, new byte[0]));
                }
                default -> throw new AssertionError(target);
            }
            assertEquals(target, cs[0].connection().state());
            resetA(p, cs[0]);
            assertEquals(TcpState.CLOSED, cs[0].connection().state(), "RST in " + target);
            assertEquals(0, p.a.connectionCount());
        }
    }

    @Test
    void resetOfAHalfOpenConnectionReturnsTheListenerToListen() throws Exception {
        Pair p = new Pair(15);
        TcpSocket l = Pair.listen(p.b, 80);
        p.b.input(A, B, raw(A, 4000, B, 80, 1000, 0, TcpSegment.SYN, 65535, new TcpOptions().mss(1460), new byte[0]));
        assertEquals(1, l.listenerForTest().synQueueSize());
        TcpConnection half = p.b.connection(new Tuple(B, 80, A, 4000));
        assertEquals(TcpState.SYN_RECEIVED, half.state());
        p.b.input(A, B, raw(A, 4000, B, 80, 1001, 0, TcpSegment.RST, 0, null, new byte[0]));
        assertEquals(TcpState.CLOSED, half.state());
        assertEquals(0, l.listenerForTest().synQueueSize());
        assertEquals(Errno.EAGAIN, errnoOf(l::accept));
    }

    @Test
    void timeWaitIgnoresReset() throws Exception {
        Pair p = new Pair(16, "tcp.msl=5000");
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        cs[0].shutdown(SocketConstants.SHUT_WR);
        cs[1].shutdown(SocketConstants.SHUT_WR);
        p.net.runFor(SECOND);
        assertEquals(TcpState.TIME_WAIT, cs[0].connection().state());
        resetA(p, cs[0]);
        assertEquals(TcpState.TIME_WAIT, cs[0].connection().state(), "RFC 1337");
    }

    @Test
    void rfc5961InWindowResetAndSynGetChallengeAcks() throws Exception {
        Pair p = new Pair(17);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        TcpConnection c = cs[0].connection();
        long before = p.ipA.count("tcp.challenge_acks");
        // RST inside the window but not at RCV.NXT: challenge ACK, connection survives
        p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt() + 100, 0, TcpSegment.RST, 0, null, new byte[0]));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(before + 1, p.ipA.count("tcp.challenge_acks"));
        // RST outside the window: silently dropped
        p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt() + 0x40000000, 0, TcpSegment.RST, 0, null, new byte[0]));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(before + 1, p.ipA.count("tcp.challenge_acks"));
        // SYN in a synchronized state (a second apart: one connection sends one challenge ACK per 500 ms)
        p.net.runFor(SECOND);
        p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt(), 0, TcpSegment.SYN, 65535, null, new byte[0]));
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(before + 2, p.ipA.count("tcp.challenge_acks"));
        // ACK of data never sent
        p.net.runFor(SECOND);
        p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt(), c.sndUna() + 5000, TcpSegment.ACK, 65535, null, new byte[0]));
        assertEquals(before + 3, p.ipA.count("tcp.challenge_acks"));
        // the connection still works
        Pair.send(cs[1], "fine");
        p.net.runFor(SECOND);
        assertEquals("fine", Pair.readNow(cs[0]));
    }

    @Test
    void pawsDropsSegmentsWithOldTimestamps() throws Exception {
        Pair p = new Pair(18);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        Pair.send(cs[1], "x");
        p.net.runFor(SECOND);
        assertEquals("x", Pair.readNow(cs[0]));
        TcpConnection c = cs[0].connection();
        assertTrue(c.tsOk());
        TcpOptions old = new TcpOptions().timestamps(c.tsRecent() - 1000, 0);
        p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt(), c.sndUna(), TcpSegment.ACK | TcpSegment.PSH, 65535, old, "stale".getBytes()));
        assertEquals(1, p.ipA.count("tcp.drops.paws"));
        assertEquals(Errno.EAGAIN, errnoOf(() -> cs[0].recvfrom(ByteBuffer.allocate(8), 0)));
        TcpOptions fresh = new TcpOptions().timestamps(c.tsRecent() + 1, 0);
        p.a.input(B, A, raw(B, 80, A, c.tuple.lport(), c.rcvNxt(), c.sndUna(), TcpSegment.ACK | TcpSegment.PSH, 65535, fresh, "fresh".getBytes()));
        assertEquals("fresh", Pair.readNow(cs[0]));
    }

    @Test
    void optionsAreNegotiated() throws Exception {
        Pair p = new Pair(19);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        TcpConnection c = cs[0].connection();
        assertTrue(c.tsOk() && c.sackOk());
        assertEquals(6, c.rcvWscale(), "2 MiB needs a shift of 6");
        assertEquals(6, c.sndWscale());
        assertEquals(1460 - 12, c.smss(), "MSS less the timestamp option");

        Pair q = new Pair(20, new String[0], new String[] {"tcp.timestamps=false", "tcp.sack=false", "tcp.window_scaling=false"});
        TcpSocket[] ds = q.connect(Pair.listen(q.b, 80), 80);
        TcpConnection d = ds[0].connection();
        assertFalse(d.tsOk() || d.sackOk());
        assertEquals(0, d.rcvWscale());
        assertEquals(0, d.sndWscale());
        assertEquals(1460, d.smss());
        byte[] data = Pair.pattern(300_000, 20);
        assertEquals(ByteBuffer.wrap(Pair.sha256(data)), ByteBuffer.wrap(Pair.sha256(q.transfer(ds[0], ds[1], data, 60 * SECOND))));
    }

    @Test
    void mssFollowsTheSmallerMtu() throws Exception {
        Pair p = new Pair(21);
        p.ipB.mtu = 576;
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        assertEquals(536 - 12, cs[0].connection().smss());
        byte[] data = Pair.pattern(100_000, 21);
        assertEquals(ByteBuffer.wrap(Pair.sha256(data)), ByteBuffer.wrap(Pair.sha256(p.transfer(cs[0], cs[1], data, 60 * SECOND))));
    }

    @Test
    void malformedSegmentsAreDroppedAndCounted() throws Exception {
        Pair p = new Pair(22);
        TcpSocket l = Pair.listen(p.b, 80);
        ByteBuffer good = raw(A, 4000, B, 80, 1, 0, TcpSegment.SYN, 1000, null, new byte[0]);
        ByteBuffer badSum = raw(A, 4000, B, 80, 1, 0, TcpSegment.SYN, 1000, null, new byte[0]);
        badSum.put(16, (byte) (badSum.get(16) ^ 1));
        p.b.input(A, B, badSum);
        ByteBuffer badOff = raw(A, 4000, B, 80, 1, 0, TcpSegment.SYN, 1000, null, new byte[0]);
        badOff.put(12, (byte) (3 << 4));
        new TcpSegment(badOff).fillChecksum(A, B);
        p.b.input(A, B, badOff);
        TcpOptions o = new TcpOptions().mss(1460);
        ByteBuffer badOpt = raw(A, 4000, B, 80, 1, 0, TcpSegment.SYN, 1000, o, new byte[0]);
        badOpt.put(21, (byte) 9); // MSS option claims 9 bytes
        new TcpSegment(badOpt).fillChecksum(A, B);
        p.b.input(A, B, badOpt);
        p.b.input(A, B, ByteBuffer.allocate(7));
        assertEquals(1, p.ipB.count("tcp.drops.bad_checksum"));
        assertEquals(1, p.ipB.count("tcp.drops.bad_data_offset"));
        assertEquals(1, p.ipB.count("tcp.drops.bad_options"));
        assertEquals(1, p.ipB.count("tcp.drops.truncated"));
        assertEquals(0, l.listenerForTest().synQueueSize(), "nothing malformed reached the listener");
        p.b.input(A, B, good);
        assertEquals(1, l.listenerForTest().synQueueSize());
    }

    @Test
    void reuseAddrBindsWhileTimeWaitHoldsThePort() throws Exception {
        Pair p = new Pair(23, "tcp.msl=30000");
        TcpSocket l = Pair.listen(p.b, 80);
        TcpSocket c = Pair.socket(p.a);
        c.bind(addr(0, 7000));
        assertEquals(Errno.EINPROGRESS, errnoOf(() -> c.connect(addr(B, 80))));
        p.net.runFor(SECOND);
        TcpSocket s = (TcpSocket) l.accept();
        c.closeFile();
        p.net.runFor(SECOND);
        s.closeFile();
        p.net.runFor(SECOND);
        assertEquals(TcpState.TIME_WAIT, c.connection().state());

        TcpSocket again = Pair.socket(p.a);
        assertEquals(Errno.EADDRINUSE, errnoOf(() -> again.bind(addr(0, 7000))));
        again.setsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEADDR, 1);
        assertNull(errnoOf(() -> again.bind(addr(0, 7000))));
        assertEquals(Errno.EINPROGRESS, errnoOf(() -> again.connect(addr(B, 80))));
        p.net.runFor(SECOND);
        assertNull(errnoOf(() -> again.connect(addr(B, 80))), "the new incarnation connects");
        assertNotNull(l.accept());

        TcpSocket other = Pair.socket(p.b);
        other.setsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEADDR, 1);
        assertEquals(Errno.EADDRINUSE, errnoOf(() -> other.bind(addr(0, 80))), "a listener holds its port, as on Linux");
        TcpSocket s1 = Pair.socket(p.b);
        TcpSocket s2 = Pair.socket(p.b);
        s1.setsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEADDR, 1);
        s2.setsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_REUSEADDR, 1);
        s1.bind(addr(0, 9000));
        s2.bind(addr(0, 9000));
        s1.listen(1);
        assertEquals(Errno.EADDRINUSE, errnoOf(() -> s2.listen(1)), "but never two listeners");
    }

    @Test
    void socketCallErrors() throws Exception {
        Pair p = new Pair(24);
        TcpSocket s = Pair.socket(p.a);
        assertEquals(Errno.ENOTCONN, errnoOf(() -> s.sendto(ByteBuffer.allocate(1), 0, null)));
        assertEquals(Errno.ENOTCONN, errnoOf(() -> s.recvfrom(ByteBuffer.allocate(1), 0)));
        assertEquals(Errno.ENOTCONN, errnoOf(s::getpeername));
        assertEquals(Errno.ENOTCONN, errnoOf(() -> s.shutdown(SocketConstants.SHUT_WR)));
        assertEquals(Errno.EINVAL, errnoOf(s::accept));
        assertEquals(Errno.EADDRNOTAVAIL, errnoOf(() -> s.bind(addr(0x0b000001, 1234))));
        assertEquals(Errno.ENOPROTOOPT, errnoOf(() -> s.setsockopt(SocketConstants.SOL_SOCKET, 999, 1)));
        assertEquals(Errno.EINVAL, errnoOf(() -> s.setsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_RCVTIMEO, -1)));
        TcpSocket l = Pair.listen(p.b, 80);
        TcpSocket[] cs = p.connect(l, 80);
        assertEquals(Errno.EISCONN, errnoOf(() -> cs[0].connect(addr(B, 80))));
        assertEquals(Errno.EINVAL, errnoOf(() -> cs[0].listen(1)));
        assertEquals(Errno.EISCONN, errnoOf(() -> l.connect(addr(A, 1))));
        assertEquals(SocketConstants.SOCK_STREAM, cs[0].getsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_TYPE));
        TcpSocket b2 = Pair.socket(p.b);
        assertEquals(Errno.EADDRINUSE, errnoOf(() -> b2.bind(addr(B, 80))));
    }

    @Test
    void lingerZeroResetsThePeer() throws Exception {
        Pair p = new Pair(25);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        cs[0].setsockopt(SocketConstants.SOL_SOCKET, SocketConstants.SO_LINGER, 0);
        cs[0].closeFile();
        p.net.runFor(SECOND);
        assertEquals(Errno.ECONNRESET, errnoOf(() -> cs[1].recvfrom(ByteBuffer.allocate(4), 0)));
        assertEquals(0, p.a.connectionCount());
    }

    @Test
    void closingWithUnreadDataResets() throws Exception {
        Pair p = new Pair(26);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        Pair.send(cs[0], "unread");
        p.net.runFor(SECOND);
        cs[1].closeFile();
        p.net.runFor(SECOND);
        assertEquals(Errno.ECONNRESET, errnoOf(() -> cs[0].recvfrom(ByteBuffer.allocate(4), 0)));
    }
}
