package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.SHUT_WR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.PollFd;
import io.jrump.kern.Cred;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import io.jrump.net.wire.TcpSegment;

/**
 * Two hosts, A (10.0.0.1) and B (10.0.0.2), each with its own TCP, on one {@link SimNet}, and
 * the socket chores tests share: non-blocking sockets, connect-accept, pumping data through
 * the simulation until it has all arrived.
 */
final class Pair {
    static final int A = 0x0a000001;
    static final int B = 0x0a000002;
    static final long SECOND = 1_000_000_000L;

    final SimNet net;
    final SimIp ipA;
    final SimIp ipB;
    final TcpTransport a;
    final TcpTransport b;

    Pair(long seed, String... options) {
        this(seed, options, options);
    }

    Pair(long seed, String[] optionsA, String[] optionsB) {
        net = new SimNet(seed);
        ipA = net.host(A);
        ipB = net.host(B);
        a = ipA.tcp(optionsA);
        b = ipB.tcp(optionsB);
    }

    /** A hand-made segment from {@code src:sport} to {@code dst:dport}, checksummed. */
    static ByteBuffer raw(int src, int sport, int dst, int dport, int seq, int ack, int flags, int window,
            io.jrump.net.wire.TcpOptions o, byte[] payload) {
        int hl = TcpSegment.HEADER_LENGTH + (o == null ? 0 : o.length());
        ByteBuffer b = ByteBuffer.allocate(hl + payload.length);
        TcpSegment s = new TcpSegment(b);
        s.setSrcPort(sport).setDstPort(dport).setSeq(seq).setAck(ack).setHeaderLength(hl).setFlags(flags).setWindow(window);
        if (o != null) {
            o.write(b, TcpSegment.HEADER_LENGTH);
        }
        b.position(hl);
        b.put(payload);
        b.position(0);
        s.fillChecksum(src, dst);
        return b;
    }

    static InetSocketAddress addr(int ip, int port) {
        return TcpSocket.toAddress(ip, port);
    }

    static TcpSocket socket(TcpTransport t) throws ErrnoException {
        return (TcpSocket) t.socket(Cred.ROOT, OpenFlags.O_NONBLOCK);
    }

    static TcpSocket listen(TcpTransport t, int port) throws ErrnoException {
        TcpSocket s = socket(t);
        s.bind(addr(0, port));
        s.listen(16);
        return s;
    }

    /** Starts a non-blocking connect; expects EINPROGRESS. */
    static TcpSocket startConnect(TcpTransport t, int ip, int port) throws ErrnoException {
        TcpSocket s = socket(t);
        try {
            s.connect(addr(ip, port));
            fail("non-blocking connect returned at once");
        } catch (ErrnoException e) {
            assertEquals(Errno.EINPROGRESS, e.errno());
        }
        return s;
    }

    /** Connects a client on A to a listener on B's {@code port} and returns {client, server}. */
    TcpSocket[] connect(TcpSocket listener, int port) throws ErrnoException {
        TcpSocket c = startConnect(a, B, port);
        assertTrue(net.runUntil(() -> (c.poll(PollFd.POLLOUT) & PollFd.POLLOUT) != 0 && listener.poll(PollFd.POLLIN) != 0, 10 * SECOND),
                "handshake did not finish");
        c.connect(addr(B, port)); // reports the result of the pending connect: success
        TcpSocket s = (TcpSocket) listener.accept();
        s.setStatusFlags(OpenFlags.O_NONBLOCK);
        return new TcpSocket[] {c, s};
    }

    /**
     * Sends {@code data} from {@code from}, then shuts down its sending side, and reads at
     * {@code to} until end of stream; returns what arrived.
     */
    byte[] transfer(TcpSocket from, TcpSocket to, byte[] data, long maxNanos) throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        boolean[] state = new boolean[2]; // shut, eof
        Exception[] failure = new Exception[1];
        boolean done = net.runUntil(() -> {
            try {
                pump(from, to, src, got, buf, state);
            } catch (Exception e) {
                failure[0] = e;
                return true;
            }
            return state[1];
        }, maxNanos);
        if (failure[0] != null) {
            throw failure[0];
        }
        assertTrue(done, "transfer did not finish: " + got.size() + " of " + data.length + " bytes arrived");
        return got.toByteArray();
    }

    private static void pump(TcpSocket from, TcpSocket to, ByteBuffer src, ByteArrayOutputStream got, ByteBuffer buf, boolean[] state) throws ErrnoException {
        while (src.hasRemaining() && (from.poll(PollFd.POLLOUT) & PollFd.POLLOUT) != 0) {
            from.sendto(src, 0, null);
        }
        if (!src.hasRemaining() && !state[0]) {
            from.shutdown(SHUT_WR);
            state[0] = true;
        }
        while ((to.poll(PollFd.POLLIN) & PollFd.POLLIN) != 0) {
            buf.clear();
            to.recvfrom(buf, 0);
            if (buf.position() == 0) {
                state[1] = true;
                return;
            }
            got.write(buf.array(), 0, buf.position());
        }
    }

    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** Receives whatever is readable now (non-blocking), as a string. */
    static String readNow(TcpSocket s) throws ErrnoException {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        s.recvfrom(buf, 0);
        return new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.UTF_8);
    }

    static void send(TcpSocket s, String text) throws ErrnoException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(b.remaining(), s.sendto(b, 0, null));
    }

    static Errno errnoOf(ThrowingRunnable r) {
        try {
            r.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        return null;
    }

    interface ThrowingRunnable {
        void run() throws ErrnoException;
    }
}
