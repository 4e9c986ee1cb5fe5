package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.NetDevice;
import io.jrump.api.OpenFlags;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.dev.Simulation;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Kernels booted through the public API ({@code Rump.builder().component("net")}) on one
 * simulated Ethernet bus, driven from the test's single thread with non-blocking sockets, so a
 * run is a pure function of its seed. Shared by the end-to-end TCP tests.
 */
final class SimKernels implements AutoCloseable {
    static final long SECOND = 1_000_000_000L;

    interface Wrap {
        NetDevice wrap(int index, NetDevice port) throws IOException;
    }

    final Simulation sim;
    final EthernetBus bus;
    final List<RumpKernel> kernels = new ArrayList<>();

    /** {@code n} kernels at 10.0.0.1, 10.0.0.2, ... /24, each port wrapped by {@code wrap}. */
    SimKernels(long seed, int n, Wrap wrap, String... options) throws Exception {
        sim = new Simulation(seed);
        bus = EthernetBus.simulated(sim);
        for (int i = 0; i < n; i++) {
            var builder = Rump.builder().component("net");
            for (int j = 0; j + 1 < options.length; j += 2) {
                builder = builder.option(options[j], options[j + 1]);
            }
            RumpKernel k = builder.boot();
            kernels.add(k);
            k.netconfig().ifcreate("shm0", wrap.wrap(i, bus.port()));
            k.netconfig().ipv4Address("shm0", "10.0.0." + (i + 1) + "/24");
        }
        sim.runUntilIdle();
    }

    RumpKernel k(int i) {
        return kernels.get(i);
    }

    Syscalls sys(int i) {
        return kernels.get(i).sys();
    }

    @Override
    public void close() {
        for (RumpKernel k : kernels) {
            k.close();
        }
    }

    static InetSocketAddress at(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    /** A non-blocking listening socket on {@code port} of kernel {@code i}. */
    int listen(int i, int port, int backlog) throws ErrnoException {
        Syscalls s = sys(i);
        int l = s.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        s.setsockopt(l, SOL_SOCKET, SO_REUSEADDR, 1);
        s.bind(l, at("0.0.0.0", port));
        s.listen(l, backlog);
        return l;
    }

    /**
     * Kernel {@code client} connects to kernel {@code server}'s listener {@code l}, stepping the
     * simulation until accept succeeds. Both sockets are non-blocking; returns {client fd, server fd}.
     */
    int[] connect(int client, int server, int l, int port, long maxEvents) throws ErrnoException {
        Syscalls sa = sys(client);
        Syscalls sb = sys(server);
        int c = sa.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        try {
            sa.connect(c, at("10.0.0." + (server + 1), port));
        } catch (ErrnoException e) {
            assertEquals(Errno.EINPROGRESS, e.errno(), "non-blocking connect");
        }
        for (long n = 0; n < maxEvents; n++) {
            try {
                int s = sb.accept(l);
                sb.fcntl(s, Fcntl.F_SETFL, OpenFlags.O_NONBLOCK);
                return new int[] {c, s};
            } catch (ErrnoException e) {
                assertEquals(Errno.EAGAIN, e.errno(), "accept");
            }
            if (!sim.step()) {
                break;
            }
        }
        throw new AssertionError("no connection after " + maxEvents + " events");
    }

    /** A deterministic stream of pseudo-random bytes with its SHA-256. */
    static final class Source {
        private final SplittableRandom random;
        private final MessageDigest digest = sha256();
        private final ByteBuffer chunk;
        private long left;

        Source(long seed, long length, int chunkSize) {
            random = new SplittableRandom(seed);
            left = length;
            chunk = ByteBuffer.allocate(chunkSize);
            chunk.limit(0);
        }

        /** The bytes to send next; empty when the stream is over. */
        ByteBuffer next() {
            if (!chunk.hasRemaining() && left > 0) {
                int n = (int) Math.min(chunk.capacity(), left);
                byte[] a = chunk.array();
                for (int i = 0; i < n; i += 8) {
                    long r = random.nextLong();
                    for (int j = 0; j < 8 && i + j < n; j++) {
                        a[i + j] = (byte) (r >>> (8 * j));
                    }
                }
                digest.update(a, 0, n);
                chunk.clear().limit(n);
                left -= n;
            }
            return chunk;
        }

        boolean done() {
            return left == 0 && !chunk.hasRemaining();
        }

        byte[] sha256Sent() {
            return digest.digest();
        }
    }

    /**
     * One direction of a connection: what {@code from} writes on {@code fromFd}, {@code to} reads
     * on {@code toFd}, hashed on both sides; the writer shuts down its side when done.
     */
    static final class Flow {
        final Syscalls from;
        final int fromFd;
        final Syscalls to;
        final int toFd;
        final Source source;
        final MessageDigest received = sha256();
        final ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        long receivedBytes;
        boolean shut;
        boolean eof;

        Flow(Syscalls from, int fromFd, Syscalls to, int toFd, Source source) {
            this.from = from;
            this.fromFd = fromFd;
            this.to = to;
            this.toFd = toFd;
            this.source = source;
        }

        void pump() throws ErrnoException {
            try {
                while (!source.done()) {
                    ByteBuffer b = source.next();
                    int before = b.remaining();
                    from.send(fromFd, b, 0);
                    if (b.remaining() == before) {
                        break;
                    }
                }
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EAGAIN) {
                    throw e;
                }
            }
            if (source.done() && !shut) {
                from.shutdown(fromFd, SHUT_WR);
                shut = true;
            }
            if (eof) {
                return;
            }
            try {
                while (true) {
                    buf.clear();
                    int n = to.recv(toFd, buf, 0);
                    if (n == 0) {
                        eof = true;
                        break;
                    }
                    received.update(buf.array(), 0, n);
                    receivedBytes += n;
                }
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EAGAIN) {
                    throw e;
                }
            }
        }

        byte[] sha256Received() {
            return received.digest();
        }
    }

    /** Steps the simulation, pumping every flow after each event, until all have seen end of stream. */
    void run(long maxEvents, Flow... flows) throws ErrnoException {
        for (long n = 0; n < maxEvents; n++) {
            boolean all = true;
            for (Flow f : flows) {
                f.pump();
                all &= f.eof;
            }
            if (all) {
                return;
            }
            if (!sim.step()) {
                break;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Flow f : flows) {
            sb.append(" ").append(f.receivedBytes).append(" bytes").append(f.eof ? " (eof)" : "");
        }
        throw new AssertionError("flows not finished after " + maxEvents + " events:" + sb);
    }

    /** CPU time of this JVM so far, all threads (java.management is not readable from this module). */
    static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
