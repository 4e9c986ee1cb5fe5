package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A request/response exchange (an echo: a message, then the same bytes back) never waits for a
 * timer, whatever the message size and with Nagle on or off: on a simulated bus, whose frames
 * arrive at once, every round trip completes without the virtual clock moving. A delayed ACK
 * the sender needs, a Nagle hold for an ACK, a congestion window that ends a message short or a
 * loss probe would each let time pass. In steady state (past slow start and the quick-ACK
 * bytes) a message up to a 64 KiB offloaded segment goes out as one segment each way, its ACK
 * carried by the answer. This is the protocol side of the Netty echo benchmark's 16 KiB row: the
 * stack adds no wait to it, so what it costs there is computing.
 */
class EchoWaitsForNoTimerTest {
    private static final int WARM_UP = 40;
    private static final int ROUNDS = 40;

    @ParameterizedTest(name = "{0} bytes, TCP_NODELAY {1}, server reads {2} at a time")
    @CsvSource({"1, true, 65536", "1, false, 65536", "16384, true, 65536", "16384, false, 65536", "16384, false, 2048",
            "60000, true, 65536", "60000, false, 2048", "100000, true, 65536", "100000, false, 65536"})
    void everyRoundTripCompletesWithoutTimeMoving(int size, boolean noDelay, int serverChunk) throws Exception {
        try (SimKernels k = new SimKernels(1, 2, (i, p) -> p)) {
            int l = k.listen(1, 80, 8);
            int[] fds = k.connect(0, 1, l, 80, 100_000);
            Syscalls a = k.sys(0);
            Syscalls b = k.sys(1);
            a.setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, noDelay ? 1 : 0);
            b.setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, noDelay ? 1 : 0);
            k.sim.runUntilIdle();
            Echo echo = new Echo(k, a, fds[0], b, fds[1], size, serverChunk);
            for (int r = 0; r < WARM_UP; r++) {
                assertEquals(0, echo.roundTrip(), "virtual nanoseconds round trip " + r + " waited");
            }
            Map<String, Long> c0 = k.k(0).netconfig().counters();
            Map<String, Long> s0 = k.k(1).netconfig().counters();
            for (int r = 0; r < ROUNDS; r++) {
                assertEquals(0, echo.roundTrip(), "virtual nanoseconds round trip " + (WARM_UP + r) + " waited");
            }
            Map<String, Long> c1 = k.k(0).netconfig().counters();
            Map<String, Long> s1 = k.k(1).netconfig().counters();
            for (String counter : new String[] {"tcp.delayed_acks", "tcp.loss_probes", "tcp.retransmits", "tcp.timeouts"}) {
                assertEquals(0, delta(c0, c1, counter) + delta(s0, s1, counter), counter);
            }
            if (size <= 64 << 10) {
                assertEquals(ROUNDS, delta(c0, c1, "tcp.out.segs"), "one segment per request");
                assertEquals(ROUNDS, delta(s0, s1, "tcp.out.segs"), "one segment per response, carrying the ACK");
            }
        }
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String counter) {
        return after.getOrDefault(counter, 0L) - before.getOrDefault(counter, 0L);
    }

    /** One client and an echoing server, both non-blocking, driven by stepping the simulation. */
    private static final class Echo {
        private final SimKernels k;
        private final Syscalls client;
        private final int cfd;
        private final Syscalls server;
        private final int sfd;
        private final int size;
        private final ByteBuffer serverIn;
        private final ByteBuffer pending;
        private final ByteBuffer clientIn = ByteBuffer.allocate(64 << 10);

        Echo(SimKernels k, Syscalls client, int cfd, Syscalls server, int sfd, int size, int serverChunk) {
            this.k = k;
            this.client = client;
            this.cfd = cfd;
            this.server = server;
            this.sfd = sfd;
            this.size = size;
            this.serverIn = ByteBuffer.allocate(serverChunk);
            this.pending = ByteBuffer.allocate(size);
        }

        /** The virtual time one message took there and back. */
        long roundTrip() throws ErrnoException {
            long t0 = k.sim.nanos();
            ByteBuffer out = ByteBuffer.allocate(size);
            long back = 0;
            for (int events = 0; ; events++) {
                if (out.hasRemaining()) {
                    again(() -> client.send(cfd, out, 0));
                }
                // the server reads what there is, then writes it all back (Netty: a write per read, a flush at the end)
                while (again(() -> server.recv(sfd, serverIn.clear(), 0)) > 0) {
                    pending.put(serverIn.flip());
                }
                pending.flip();
                if (pending.hasRemaining()) {
                    again(() -> server.send(sfd, pending, 0));
                }
                pending.compact();
                for (int n; (n = again(() -> client.recv(cfd, clientIn.clear(), 0))) > 0; ) {
                    back += n;
                }
                if (back == size) {
                    return k.sim.nanos() - t0;
                }
                assertTrue(events < 100_000 && k.sim.step(), "the exchange stalled with nothing to run: " + back + " of " + size + " back");
            }
        }

        interface Call {
            int run() throws ErrnoException;
        }

        /** The call's result, 0 for EAGAIN. */
        private static int again(Call c) throws ErrnoException {
            try {
                return c.run();
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EAGAIN) {
                    throw e;
                }
                return 0;
            }
        }
    }
}
