package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two kernels of one JVM on the two ends of a host stream link: TCP between them, and the link's bad input. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostStreamLinkTest {
    @Test
    void kernelsTalkOverTheLink() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (HostStreamLink l = HostStreamLink.listen(new InetSocketAddress("127.0.0.1", port));
             RumpKernel a = Rump.builder().component("net").boot();
             RumpKernel b = Rump.builder().component("net").boot()) {
            // the listening end is configured before its cable is plugged in, as at a JVM's start
            b.netconfig().ifcreate("eth0", l);
            b.netconfig().ipv4Address("eth0", "10.0.0.2/24");
            HostStreamLink c = HostStreamLink.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            a.netconfig().ifcreate("eth0", c);
            a.netconfig().ipv4Address("eth0", "10.0.0.1/24");
            try (ServerSocket server = KernelChannels.serverSocketFactory(b).createServerSocket(80);
                 Socket s = KernelChannels.socketFactory(a).createSocket("10.0.0.2", 80);
                 Socket t = server.accept()) {
                s.getOutputStream().write(new byte[100_000]);
                s.shutdownOutput();
                InputStream in = t.getInputStream();
                long n = 0;
                for (int k; (k = in.read(new byte[9000])) > 0; ) {
                    n += k;
                }
                assertEquals(100_000, n);
            }
            // a non-blocking connect whose handshake completes later, on the link's thread
            try (ServerSocket server = KernelChannels.serverSocketFactory(b).createServerSocket(81);
                 java.nio.channels.Selector sel = KernelChannels.provider(a).openSelector()) {
                java.nio.channels.SocketChannel ch = (java.nio.channels.SocketChannel) sel.provider().openSocketChannel().configureBlocking(false);
                boolean now = ch.connect(new InetSocketAddress("10.0.0.2", 81));
                ch.register(sel, java.nio.channels.SelectionKey.OP_CONNECT);
                int n = sel.select(10_000);
                assertTrue(now || n == 1, "OP_CONNECT selected");
                assertTrue(ch.finishConnect());
                ch.close();
            }
        }
    }

    /**
     * Both kernels send at once, more than the host connection's buffers hold. The link's
     * receive thread hands frames to the kernel, whose TCP answers with ACKs (and data) on the
     * same link: were those written on the receive thread through the blocking host socket, a
     * full host buffer each way would stop both receive threads, and with them the reading that
     * would empty the buffers: the two ends would wait for each other for ever.
     */
    @Test
    void bothWaysAtOnceThroughSmallHostBuffersDoNotDeadlock() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        int hostBuffer = 8 << 10;
        long bytes = 8L << 20;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        // the links close first (resources close in reverse): a write blocked on the host socket fails then
        try (RumpKernel a = Rump.builder().component("net").boot();
             RumpKernel b = Rump.builder().component("net").boot();
             HostStreamLink l = HostStreamLink.listen(new InetSocketAddress("127.0.0.1", port), hostBuffer);
             HostStreamLink c = HostStreamLink.connect(new InetSocketAddress("127.0.0.1", port), 5000, hostBuffer)) {
            b.netconfig().ifcreate("eth0", l);
            b.netconfig().ipv4Address("eth0", "10.0.0.2/24");
            a.netconfig().ifcreate("eth0", c);
            a.netconfig().ipv4Address("eth0", "10.0.0.1/24");
            try (ServerSocket server = KernelChannels.serverSocketFactory(b).createServerSocket(80);
                 Socket s = KernelChannels.socketFactory(a).createSocket("10.0.0.2", 80);
                 Socket t = server.accept()) {
                List<Future<Long>> jobs = List.of(pool.submit(() -> send(s, bytes)), pool.submit(() -> send(t, bytes)),
                        pool.submit(() -> drain(s)), pool.submit(() -> drain(t)));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                for (Future<Long> f : jobs) {
                    long left = deadline - System.nanoTime();
                    try {
                        assertEquals(bytes, f.get(Math.max(1, left), TimeUnit.NANOSECONDS));
                    } catch (TimeoutException e) {
                        fail("no end-of-stream within 40 s: the two ends of the link wait for each other");
                    }
                }
                // one connection's windows fit the transmit queue: nothing was dropped to get here
                assertEquals(0, l.droppedFrames() + c.droppedFrames(), "frames dropped by the transmit queues");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static long send(Socket s, long bytes) throws Exception {
        byte[] chunk = new byte[64 << 10];
        OutputStream out = s.getOutputStream();
        for (long sent = 0; sent < bytes; sent += chunk.length) {
            out.write(chunk, 0, (int) Math.min(chunk.length, bytes - sent));
        }
        s.shutdownOutput();
        return bytes;
    }

    private static long drain(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 << 10];
        long n = 0;
        for (int k; (k = in.read(buf)) > 0; ) {
            n += k;
        }
        return n;
    }

    /** A host socket that takes nothing: transmit still returns at once, and frames beyond the queue's bound are dropped and counted. */
    @Test
    void aStalledHostSocketNeverBlocksTheSenderAndBoundsTheQueue() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean failed = new AtomicBoolean();
        LinkWriter w = new LinkWriter("test", () -> failed.set(true));
        w.start(new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                try {
                    release.await(); // a host send buffer that never drains
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
        });
        byte[] frame = new byte[64 << 10];
        int offered = 2 * LinkWriter.MAX_QUEUED_BYTES / frame.length;
        int taken = 0;
        for (int i = 0; i < offered; i++) {
            taken += w.offer(frame) ? 1 : 0;
        }
        assertTrue(w.queuedBytes() <= LinkWriter.MAX_QUEUED_BYTES, "queue bounded: " + w.queuedBytes());
        assertEquals(offered - taken, w.dropped());
        assertTrue(w.dropped() >= offered / 2 - 2, "frames beyond the bound dropped: " + w.dropped());
        w.close();
        assertFalse(w.offer(frame), "a closed writer takes nothing");
        release.countDown();
        assertFalse(failed.get(), "closing is not a failure");
    }
}
