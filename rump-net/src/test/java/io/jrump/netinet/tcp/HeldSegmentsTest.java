package io.jrump.netinet.tcp;

import static io.jrump.netinet.tcp.Pair.A;
import static io.jrump.netinet.tcp.Pair.B;
import static io.jrump.netinet.tcp.Pair.SECOND;
import static io.jrump.netinet.tcp.Pair.raw;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.PollFd;
import io.jrump.api.SocketConstants;
import io.jrump.net.wire.TcpSegment;
import io.jrump.netinet.Transport;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A connection holding large in-order segments by reference, next to copied and out-of-order ones. */
class HeldSegmentsTest {
    private static final int K = 1024;
    private static final String HELD = "tcp.in.held_segs";

    /** Injects bytes {@code [off, off + len)} of {@code stream} into B's side of {@code c}. */
    private static void inject(Pair p, TcpConnection c, int base, byte[] stream, int off, int len, boolean keepable) {
        ByteBuffer seg = raw(A, c.tuple.rport(), B, c.tuple.lport(), base + off, c.sndUna(), TcpSegment.ACK | TcpSegment.PSH, 65535, null,
                Arrays.copyOfRange(stream, off, off + len));
        p.b.input(A, B, seg, keepable ? Transport.KEEPABLE : 0);
    }

    @Test
    void heldCopiedAndParkedBytesAreReadInStreamOrder() throws Exception {
        Pair p = new Pair(300);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        TcpSocket server = cs[1];
        TcpConnection c = server.connection();
        int base = c.rcvNxt();
        byte[] d = Pair.pattern(60_000, 300); // within the 65,535 bytes the SYN-ACK offered

        inject(p, c, base, d, 0, 16 * K, true);
        assertEquals(1, p.ipB.count(HELD), "in order, large, keepable: held");
        inject(p, c, base, d, 25 * K, 5 * K, true);
        inject(p, c, base, d, 16 * K, 9 * K, true);
        assertEquals(1, p.ipB.count(HELD), "the hole's filler is copied: bytes were parked behind it");
        inject(p, c, base, d, 30 * K, 12 * K, true);
        assertEquals(2, p.ipB.count(HELD), "held behind the copied bytes");
        assertEquals(base + 42 * K, c.rcvNxt());

        ByteBuffer peek = ByteBuffer.allocate(20 * K);
        server.recvfrom(peek, SocketConstants.MSG_PEEK);
        assertArrayEquals(Arrays.copyOf(d, 20 * K), peek.array(), "a peek across the held segment into the ring");
        ByteBuffer all = ByteBuffer.allocate(42 * K);
        server.recvfrom(all, SocketConstants.MSG_WAITALL);
        assertArrayEquals(Arrays.copyOf(d, 42 * K), all.array());

        inject(p, c, base, d, 42 * K, 10 * K, true);
        assertEquals(3, p.ipB.count(HELD));
        inject(p, c, base, d, 52 * K, d.length - 52 * K, false);
        ByteBuffer part = ByteBuffer.allocate(7 * K);
        server.recvfrom(part, 0);
        assertArrayEquals(Arrays.copyOfRange(d, 42 * K, 49 * K), part.array(), "part of a held segment");
        ByteBuffer rest = ByteBuffer.allocate(d.length);
        server.recvfrom(rest, 0);
        assertArrayEquals(Arrays.copyOfRange(d, 49 * K, d.length), Arrays.copyOf(rest.array(), rest.position()));
    }

    @Test
    void shutdownForReadingDiscardsHeldSegments() throws Exception {
        Pair p = new Pair(301);
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        TcpConnection c = cs[1].connection();
        byte[] d = Pair.pattern(20 * K, 301);
        inject(p, c, c.rcvNxt(), d, 0, 20 * K, true);
        assertEquals(1, p.ipB.count(HELD));
        cs[1].shutdown(SocketConstants.SHUT_RD);
        assertTrue((cs[1].poll(PollFd.POLLIN) & PollFd.POLLIN) != 0);
        ByteBuffer buf = ByteBuffer.allocate(100);
        cs[1].recvfrom(buf, 0);
        assertEquals(0, buf.position(), "nothing left to read");
    }

    /** Segments of 16,000-byte datagrams from a device whose frames stay valid, through loss, duplication and reordering. */
    @Test
    void lossyTransferWithHeldSegmentsIsByteExact() throws Exception {
        Pair p = new Pair(302);
        p.ipA.mtu = 16_000;
        p.ipB.mtu = 16_000;
        p.net.keepable = true;
        TcpSocket[] cs = p.connect(Pair.listen(p.b, 80), 80);
        p.net.loss = 0.02;
        p.net.duplication = 0.01;
        p.net.reordering = 0.05;
        p.net.delayNanos = 2_000_000;
        byte[] data = Pair.pattern(16 << 20, 302);
        byte[] got = p.transfer(cs[0], cs[1], data, 3600 * SECOND);
        assertArrayEquals(Pair.sha256(data), Pair.sha256(got));
        assertTrue(p.ipA.count("tcp.retransmits") > 0, "frames were lost");
        assertTrue(p.ipB.count(HELD) > 100, "held: " + p.ipB.count(HELD));
    }
}
