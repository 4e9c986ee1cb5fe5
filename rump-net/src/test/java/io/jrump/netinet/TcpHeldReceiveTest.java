package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.dev.LinkEmulator;
import io.jrump.net.dev.PcapWriter;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

/**
 * Receivers hold large in-order TCP segments by reference only where frames stay valid: over
 * loopback and a bare bus they do, through a wrapper they copy; the bytes arrive intact either way.
 */
class TcpHeldReceiveTest {
    private static final String HELD = "tcp.in.held_segs";

    /** What a port is passed through before the kernel gets it. */
    private interface Wrapper {
        NetDevice apply(NetDevice port) throws Exception;
    }

    private static long held(RumpKernel k) throws Exception {
        return k.netconfig().counters().getOrDefault(HELD, 0L);
    }

    @Test
    void loopbackHoldsSegments() throws Exception {
        try (RumpKernel k = Rump.builder().component("net").boot()) {
            byte[][] d = TcpTransfer.digests(k.sys(), k.sys(), "127.0.0.1", 32 << 20);
            assertArrayEquals(d[0], d[1]);
            assertTrue(held(k) > 0, "segments held: " + k.netconfig().counters());
        }
    }

    /** A transfer from 10.0.0.1 to 10.0.0.2 on a bus with jumbo frames, each port passed through {@code wrap}; returns the receiver's held count. */
    private static long busTransfer(Wrapper wrap) throws Exception {
        EthernetBus bus = new EthernetBus(9000);
        try (RumpKernel a = Rump.builder().component("net").boot(); RumpKernel b = Rump.builder().component("net").boot()) {
            a.netconfig().ifcreate("shm0", wrap.apply(bus.port()));
            b.netconfig().ifcreate("shm0", wrap.apply(bus.port()));
            a.netconfig().ipv4Address("shm0", "10.0.0.1/24");
            b.netconfig().ipv4Address("shm0", "10.0.0.2/24");
            byte[][] d = TcpTransfer.digests(a.sys(), b.sys(), "10.0.0.2", 16 << 20);
            assertArrayEquals(d[0], d[1]);
            return held(b);
        }
    }

    @Test
    void bareBusPortsHoldSegments() throws Exception {
        assertTrue(busTransfer(port -> port) > 0);
    }

    @Test
    void wrappedPortsCopyEverySegment() throws Exception {
        assertEquals(0, busTransfer(port -> new LinkEmulator(port, 1, LinkEmulator.Impairments.none())), "through a link emulator");
        assertEquals(0, busTransfer(port -> new PcapWriter(port, OutputStream.nullOutputStream())), "through a pcap writer");
    }
}
