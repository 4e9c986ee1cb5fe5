package io.jrump.netinet.tcp;

import static io.jrump.api.SocketConstants.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.LinkEmulator;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TCP between two kernels booted through the public API on a simulated (virtual-clock) bus:
 * bulk transfers under loss, duplication, reordering and delay arrive byte-exact, and connect
 * errors reach {@code Syscalls} with the errno the stack documents.
 */
class TcpEndToEndTest {
    static final LinkEmulator.Impairments ISSUE_4_LINK = LinkEmulator.Impairments.none()
            .withLoss(0.02).withDuplicate(0.01).withReorder(0.05, 2_000_000).withDelay(5_000_000);

    /** A transfer of {@code bytes} from 10.0.0.1 to 10.0.0.2, both ports impaired; printing CPU time and what the links did. */
    static void lossyTransfer(long seed, long bytes, String... options) throws Exception {
        LinkEmulator[] links = new LinkEmulator[2];
        long cpu0 = SimKernels.processCpuNanos();
        try (SimKernels k = new SimKernels(seed, 2, (i, port) -> links[i] = new LinkEmulator(port, seed * 31 + i, ISSUE_4_LINK), options)) {
            int l = k.listen(1, 80, 4);
            int[] fds = k.connect(0, 1, l, 80, 1_000_000);
            SimKernels.Flow f = new SimKernels.Flow(k.sys(0), fds[0], k.sys(1), fds[1], new SimKernels.Source(seed, bytes, 256 << 10));
            k.run(Long.MAX_VALUE, f);
            byte[] sent = f.source.sha256Sent();
            byte[] got = f.sha256Received();
            long cpu = SimKernels.processCpuNanos() - cpu0;
            Map<String, Long> ca = k.k(0).netconfig().counters();
            Map<String, Long> cb = k.k(1).netconfig().counters();
            System.out.printf("TCP %d MiB seed %d %s under 2%% loss, 1%% dup, 5%% reorder, 5 ms delay: %.1f s process CPU (all threads, JIT and GC included), %.1f s virtual;"
                    + " sender %s retransmits=%d fast_retransmits=%d timeouts=%d; receiver %s; sha256 %s%n",
                    bytes >> 20, seed, String.join("=", options), cpu / 1e9, k.sim.nanos() / 1e9, links[0].stats(), ca.get("tcp.retransmits"),
                    ca.get("tcp.fast_retransmits"), ca.get("tcp.timeouts"), links[1].stats(), HexFormat.of().formatHex(got));
            assertEquals(bytes, f.receivedBytes, "every byte arrived, once");
            assertArrayEquals(sent, got, "SHA-256 at the sender equals SHA-256 at the receiver");
            assertTrue(links[0].lost() > 0 && links[1].lost() > 0, "the links did lose frames");
            assertTrue(ca.get("tcp.retransmits") > 0, "the sender retransmitted");
        }
    }

    /**
     * Issue 4's 256 MiB under 2% loss, 1% duplication, 5% reordering and 5 ms delay. Measured on the
     * 2-core CI machine at about 16 s of process CPU (27 s wall), well under the 90 s at which it
     * would have been moved behind a system property, so it always runs.
     */
    @Test
    void transferOf256MiBUnderLossDuplicationReorderingAndDelayIsByteExact() throws Exception {
        lossyTransfer(256, 256L << 20, "tcp.cc", "newreno");
    }

    /** The same link with CUBIC as the congestion control of both kernels, 32 MiB. */
    @Test
    void transferOf32MiBWithCubicIsByteExact() throws Exception {
        lossyTransfer(32, 32L << 20, "tcp.cc", "cubic");
    }

    /** Connect errors through the public Syscalls on a simulated bus (virtual time: the SYN retries cost no wall time). */
    @Test
    void closedPortIsRefusedAndSilentHostTimesOut() throws Exception {
        try (SimKernels k = new SimKernels(5, 2, (i, port) -> port)) {
            Syscalls sa = k.sys(0);
            // a closed port on a live host: the RST comes back, blocking connect fails at once
            int s = sa.socket(AF_INET, SOCK_STREAM, 0);
            ErrnoException e = assertThrows(ErrnoException.class, () -> sa.connect(s, SimKernels.at("10.0.0.2", 9)));
            assertEquals(Errno.ECONNREFUSED, e.errno());
            assertEquals(1, k.k(1).netconfig().counters().get("tcp.out.resets"));
            assertEquals(1, k.k(0).netconfig().counters().get("tcp.attempt_fails"));
            // the socket is usable for nothing else: a second connect reports the failure is over
            sa.close(s);

            // 10.0.0.9 is on the subnet but no one answers ARP: the stack drops the unresolved SYNs
            // (IpLayer/Arp never turn an ARP failure into an error for TCP), so connect ends when the
            // SYN retries run out: ETIMEDOUT, after the default tcp.syn_retries of virtual time.
            int t = sa.socket(AF_INET, SOCK_STREAM, 0);
            long t0 = k.sim.nanos();
            e = assertThrows(ErrnoException.class, () -> sa.connect(t, SimKernels.at("10.0.0.9", 80)));
            assertEquals(Errno.ETIMEDOUT, e.errno(), e.toString());
            Map<String, Long> c = k.k(0).netconfig().counters();
            assertTrue(c.get("arp.resolution_failed") >= 1, c.toString());
            assertTrue(k.sim.nanos() - t0 >= 60 * SimKernels.SECOND, "SYNs were retried with backoff in virtual time");
            assertEquals(2, c.get("tcp.attempt_fails"), c.toString());
            sa.close(t);

            // and the kernel still connects afterwards
            int l = k.listen(1, 80, 4);
            int[] fds = k.connect(0, 1, l, 80, 100_000);
            assertEquals(SimKernels.at("10.0.0.2", 80), sa.getpeername(fds[0]));
        }
    }
}
