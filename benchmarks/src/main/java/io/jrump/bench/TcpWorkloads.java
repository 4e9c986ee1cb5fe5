package io.jrump.bench;

import io.jrump.bench.StreamNet.Conn;
import io.jrump.bench.StreamNet.Listener;
import io.jrump.measure.Heap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The TCP workloads of the network comparison, each one loop run unchanged on jrump and on
 * the JDK through {@link StreamNet}: the server end on a thread of its own, the client on the
 * caller's. Each runs for a time rather than a count, so that a slow stack costs the run no
 * more than its budget, and each checks that every byte and every exchange arrived.
 */
final class TcpWorkloads {
    /** Bytes per read and write in the bulk transfers: 64 KiB, like iperf's default for TCP. */
    static final int CHUNK = 64 << 10;
    /**
     * At most this many connections per measurement: each leaves its client port in TIME_WAIT
     * for a minute, and Linux's ephemeral range (which jrump copies) holds 28,232 ports.
     */
    static final int MAX_CONNECTIONS = 20_000;
    /** How long the server side may lag behind the client's time budget before the run counts as hung. */
    private static final long GRACE_SECONDS = 120;

    private TcpWorkloads() {
    }

    /**
     * One connection, the client writing for {@code millis}, then closing; the server reads to
     * end of stream. Bytes per second from the first write to the server's end of stream.
     */
    static double bulkBytesPerSecond(StreamNet net, long millis) throws IOException, InterruptedException {
        try (Listener listener = net.listen()) {
            Server<long[]> server = Server.start("bulk", () -> {
                try (Conn c = listener.accept()) {
                    ByteBuffer buf = net.buffer(CHUNK);
                    long received = 0;
                    for (int n = c.read(buf); n >= 0; n = c.read(buf)) {
                        received += n;
                        buf.clear();
                    }
                    return new long[] {received, System.nanoTime()};
                }
            });
            long sent = 0;
            long start;
            try (Conn c = listener.connect()) {
                ByteBuffer buf = net.buffer(CHUNK);
                for (int i = 0; i < CHUNK; i++) {
                    buf.put(i, (byte) (i * 31 + 7));
                }
                start = System.nanoTime();
                long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
                do {
                    buf.clear();
                    c.writeFully(buf);
                    sent += CHUNK;
                } while (System.nanoTime() < deadline);
                c.shutdownOutput();
            }
            long[] end = server.result(millis);
            check(end[0] == sent, "bulk: sent " + sent + " bytes, the server read " + end[0]);
            return sent * 1e9 / (end[1] - start);
        }
    }

    /** One connection with TCP_NODELAY at both ends: the client sends one byte, the server echoes it. Round trips per second. */
    static double roundTripsPerSecond(StreamNet net, long millis) throws IOException, InterruptedException {
        try (Listener listener = net.listen()) {
            Server<Long> server = Server.start("echo", () -> {
                try (Conn c = listener.accept()) {
                    c.noDelay();
                    ByteBuffer one = net.buffer(1);
                    long echoed = 0;
                    while (c.read(one) > 0) {
                        one.flip();
                        c.writeFully(one);
                        one.clear();
                        echoed++;
                    }
                    return echoed;
                }
            });
            long trips = 0;
            long elapsed;
            try (Conn c = listener.connect()) {
                c.noDelay();
                ByteBuffer out = net.buffer(1);
                ByteBuffer in = net.buffer(1);
                long start = System.nanoTime();
                long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
                long now;
                do {
                    out.clear();
                    out.put(0, (byte) trips);
                    c.writeFully(out);
                    in.clear();
                    check(c.read(in) == 1 && in.get(0) == (byte) trips, "echo: round trip " + trips + " came back wrong");
                    trips++;
                    now = System.nanoTime();
                } while (now < deadline);
                elapsed = now - start;
                c.shutdownOutput();
            }
            long echoed = server.result(millis);
            check(echoed == trips, "echo: " + trips + " round trips, the server echoed " + echoed);
            return trips * 1e9 / elapsed;
        }
    }

    /**
     * Connections set up and torn down: the client connects and closes at once; the server
     * accepts, reads the end of stream and closes. A final connection carrying one byte stops
     * the server. Connections per second, over the time budget or {@link #MAX_CONNECTIONS}, whichever ends first.
     */
    static double connectionsPerSecond(StreamNet net, long millis) throws IOException, InterruptedException {
        try (Listener listener = net.listen()) {
            Server<Long> server = Server.start("accept", () -> {
                ByteBuffer buf = net.buffer(1);
                for (long accepted = 0; ; accepted++) {
                    try (Conn c = listener.accept()) {
                        buf.clear();
                        if (c.read(buf) == 1) {
                            return accepted;
                        }
                    }
                }
            });
            long connections = 0;
            long start = System.nanoTime();
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(millis);
            long now;
            do {
                listener.connect().close();
                connections++;
                now = System.nanoTime();
            } while (now < deadline && connections < MAX_CONNECTIONS);
            try (Conn stop = listener.connect()) {
                stop.writeFully(net.buffer(1));
            }
            long accepted = server.result(millis);
            check(accepted == connections, "connections: made " + connections + ", the server accepted " + accepted);
            return connections * 1e9 / (now - start);
        }
    }

    /**
     * Heap retained by {@code count} idle established connections (both ends of each), per
     * connection: used heap after full collections with them open, less before.
     */
    static double heapPerIdleConnection(StreamNet net, int count) throws IOException {
        try (Listener listener = net.listen()) {
            List<Conn> ends = new ArrayList<>(2 * count + 2);
            listener.connect().close();
            listener.accept().close();
            long before = Heap.settledUsedBytes();
            for (int i = 0; i < count; i++) {
                ends.add(listener.connect());
                ends.add(listener.accept());
            }
            long after = Heap.settledUsedBytes();
            for (Conn c : ends) {
                c.close();
            }
            return (double) (after - before) / count;
        }
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalStateException(problem);
        }
    }

    /** The server end of a workload, on a thread of its own. */
    private static final class Server<T> {
        private final FutureTask<T> task;

        private Server(FutureTask<T> task) {
            this.task = task;
        }

        static <T> Server<T> start(String name, Callable<T> body) {
            Server<T> server = new Server<>(new FutureTask<>(body));
            Thread thread = new Thread(server.task, "tcp-bench-" + name);
            thread.setDaemon(true);
            thread.start();
            return server;
        }

        /** Its result, waiting at most the client's budget and a grace period. */
        T result(long millis) throws IOException, InterruptedException {
            try {
                return task.get(millis + TimeUnit.SECONDS.toMillis(GRACE_SECONDS), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException("server side failed: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                task.cancel(true);
                throw new IllegalStateException("server side did not finish within " + GRACE_SECONDS + " s after the client");
            }
        }
    }
}
