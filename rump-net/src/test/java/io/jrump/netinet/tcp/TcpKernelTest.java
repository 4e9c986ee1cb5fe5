package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.PollFd;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.api.Fcntl;
import io.jrump.net.dev.EthernetBus;
import io.jrump.netinet.TcpTransfer;
import io.jrump.net.dev.LinkEmulator;
import io.jrump.net.dev.Simulation;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** TCP end to end through the public API: two kernels with the "net" component on an Ethernet bus. */
class TcpKernelTest {

    static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    private static RumpKernel[] boot(EthernetBus bus, String... options) throws Exception {
        RumpKernel[] k = new RumpKernel[2];
        for (int i = 0; i < 2; i++) {
            var builder = Rump.builder().component("net");
            for (int j = 0; j + 1 < options.length; j += 2) {
                builder = builder.option(options[j], options[j + 1]);
            }
            k[i] = builder.boot();
            k[i].netconfig().ifcreate("shm0", bus.port());
            k[i].netconfig().ipv4Address("shm0", "10.0.0." + (i + 1) + "/24");
        }
        return k;
    }

    @Test
    void echoThroughSyscallsOnARealTimeBus() throws Exception {
        RumpKernel[] k = boot(new EthernetBus());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Syscalls sb = k[1].sys();
            int l = sb.socket(AF_INET, SOCK_STREAM, 0);
            sb.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
            sb.bind(l, at("0.0.0.0", 7));
            sb.listen(l, 8);
            Future<Integer> server = pool.submit(() -> {
                int c = sb.accept(l);
                ByteBuffer buf = ByteBuffer.allocate(8192);
                int total = 0;
                while (true) {
                    buf.clear();
                    int n = sb.recv(c, buf, 0);
                    if (n == 0) {
                        break;
                    }
                    total += n;
                    buf.flip();
                    while (buf.hasRemaining()) {
                        sb.send(c, buf, 0);
                    }
                }
                sb.close(c);
                return total;
            });
            Syscalls sa = k[0].sys();
            int c = sa.socket(AF_INET, SOCK_STREAM, 0);
            sa.setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, 10_000);
            sa.connect(c, at("10.0.0.2", 7));
            assertEquals(at("10.0.0.2", 7), sa.getpeername(c));
            byte[] data = Pair.pattern(300_000, 1);
            OutputStream out = TcpStreams.output(sa, c);
            InputStream in = TcpStreams.input(sa, c);
            Future<byte[]> reader = Executors.newSingleThreadExecutor().submit(() -> in.readAllBytes());
            out.write(data);
            out.close(); // FIN; the echo comes back, then the server's FIN
            assertArrayEquals(data, reader.get(30, TimeUnit.SECONDS));
            assertEquals(data.length, server.get(30, TimeUnit.SECONDS));
            sa.close(c);
            assertTrue(k[0].netconfig().counters().get("tcp.out.segs") > 0);
        } finally {
            pool.shutdownNow();
            k[0].close();
            k[1].close();
        }
    }

    /**
     * 64 MiB one way on the synchronous real-time bus: the sender's thread delivers into the
     * receiver, whose ACKs deliver back, and so on; the bus's trampoline must keep that from
     * nesting (a stack overflow would lose frames and stall the transfer). SHA-256 at both ends.
     */
    @Test
    void bulkTransferOnARealTimeBusIsByteExactWithoutRecursion() throws Exception {
        RumpKernel[] k = boot(new EthernetBus());
        try {
            byte[][] digests = TcpTransfer.digests(k[0].sys(), k[1].sys(), "10.0.0.2", 64L << 20);
            assertArrayEquals(digests[0], digests[1]);
        } finally {
            k[0].close();
            k[1].close();
        }
    }

    @Test
    void refusedTimedOutAndNonBlockingConnectThroughSyscalls() throws Exception {
        RumpKernel[] k = boot(new EthernetBus(), "tcp.syn_retries", "1", "tcp.rto_min", "200");
        try {
            Syscalls sa = k[0].sys();
            int s = sa.socket(AF_INET, SOCK_STREAM, 0);
            ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class, () -> sa.connect(s, at("10.0.0.2", 9)));
            assertEquals(Errno.ECONNREFUSED, e.errno());

            int n = sa.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class, () -> sa.connect(n, at("10.0.0.2", 9)));
            // the bus may deliver the SYN and the RST before connect returns: then the result is known at once
            if (e.errno() == Errno.EINPROGRESS) {
                PollFd[] set = {new PollFd(n, PollFd.POLLOUT)};
                assertEquals(1, sa.poll(set, 5000));
                assertEquals(Errno.ECONNREFUSED.number(), sa.getsockopt(n, SOL_SOCKET, SO_ERROR));
            } else {
                assertEquals(Errno.ECONNREFUSED, e.errno());
            }

            int t = sa.socket(AF_INET, SOCK_STREAM, 0);
            // 10.0.0.9 does not exist: ARP gives up or the SYNs go unanswered
            e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class, () -> sa.connect(t, at("10.0.0.9", 80)));
            assertTrue(e.errno() == Errno.ETIMEDOUT || e.errno() == Errno.EHOSTUNREACH, e.toString());

            int r = sa.socket(AF_INET, SOCK_STREAM, 0);
            sa.bind(r, at("0.0.0.0", 5555));
            sa.listen(r, 1);
            sa.fcntl(r, Fcntl.F_SETFL, OpenFlags.O_NONBLOCK);
            e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class, () -> sa.accept(r));
            assertEquals(Errno.EAGAIN, e.errno());
        } finally {
            k[0].close();
            k[1].close();
        }
    }

    @Test
    void transferOnASimulatedLossyBusIsByteExact() throws Exception {
        Simulation sim = new Simulation(42);
        EthernetBus bus = EthernetBus.simulated(sim);
        var im = LinkEmulator.Impairments.none().withLoss(0.02).withDuplicate(0.01).withReorder(0.05, 2_000_000).withDelay(5_000_000);
        RumpKernel a = Rump.builder().component("net").option("tcp.cc", "cubic").boot();
        RumpKernel b = Rump.builder().component("net").boot();
        try {
            a.netconfig().ifcreate("shm0", new LinkEmulator(bus.port(), 1, im));
            b.netconfig().ifcreate("shm0", new LinkEmulator(bus.port(), 2, im));
            a.netconfig().ipv4Address("shm0", "10.0.0.1/24");
            b.netconfig().ipv4Address("shm0", "10.0.0.2/24");
            Syscalls sa = a.sys();
            Syscalls sb = b.sys();
            int l = sb.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            sb.bind(l, at("0.0.0.0", 80));
            sb.listen(l, 1);
            int c = sa.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class, () -> sa.connect(c, at("10.0.0.2", 80)));
            int[] srv = {-1};
            byte[] data = Pair.pattern(4 << 20, 42);
            ByteBuffer src = ByteBuffer.wrap(data);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(65536);
            boolean[] shut = {false};
            boolean[] eof = {false};
            for (int round = 0; round < 2_000_000 && !eof[0]; round++) {
                sim.step();
                if (srv[0] < 0) {
                    try {
                        srv[0] = sb.accept(l);
                        sb.fcntl(srv[0], Fcntl.F_SETFL, OpenFlags.O_NONBLOCK);
                    } catch (ErrnoException e) {
                        continue;
                    }
                }
                try {
                    while (src.hasRemaining()) {
                        sa.send(c, src, 0);
                    }
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EAGAIN) {
                        throw e;
                    }
                }
                if (!src.hasRemaining() && !shut[0]) {
                    sa.shutdown(c, SHUT_WR);
                    shut[0] = true;
                }
                try {
                    while (true) {
                        buf.clear();
                        int n = sb.recv(srv[0], buf, 0);
                        if (n == 0) {
                            eof[0] = true;
                            break;
                        }
                        got.write(buf.array(), 0, n);
                    }
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EAGAIN) {
                        throw e;
                    }
                }
            }
            assertTrue(eof[0], "transfer finished: " + got.size() + " bytes");
            assertArrayEquals(Pair.sha256(data), Pair.sha256(got.toByteArray()));
        } finally {
            a.close();
            b.close();
        }
    }
}
