package io.jrump.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jrump.api.FrameLease;
import io.jrump.net.link.FrameTaker;
import io.jrump.net.wire.EthernetFrame;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The interface hands a device that takes frames the lease of each frame itself: the one the
 * sender names for a frame in its lent memory, none for a frame in a buffer of its own, so the
 * device never looks a lease up by the frame's array.
 */
class NetIfLeaseTest {
    private static final long DST = 0x020000000002L;

    /** A taking device that keeps the lease each frame came with; a frame without one fails the test. */
    private static final class LeaseRecorder implements FrameTaker {
        final StubWire wire = new StubWire(Set.of());
        final List<FrameLease> leases = new ArrayList<>();

        @Override
        public void transmitTaken(ByteBuffer frame) {
            throw new AssertionError("frame handed over without its lease: the device would look it up");
        }

        @Override
        public void transmitTaken(ByteBuffer frame, FrameLease lease) {
            leases.add(lease);
        }

        @Override
        public byte[] macAddress() {
            return wire.macAddress();
        }

        @Override
        public int mtu() {
            return wire.mtu();
        }

        @Override
        public void transmit(ByteBuffer frame) {
            throw new AssertionError("copying transmit used for a taken frame");
        }

        @Override
        public void receiver(Receiver r) {
        }

        @Override
        public boolean isLinkUp() {
            return true;
        }

        @Override
        public Set<Offload> offloads() {
            return Set.of();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aFrameInLentMemoryGoesWithTheSendersLeaseAndANewBufferWithNone() throws Exception {
        LeaseRecorder dev = new LeaseRecorder();
        NetIf ifp = new NetIf("eth0", dev, false);
        ifp.setUp(true);
        ByteBuffer lent = ByteBuffer.allocate(34 + 100).position(34);
        FrameLease lease = FrameLease.passedAlong().lend(); // not registered: only the sender knows it
        Exception[] failed = new Exception[1];
        FrameLease.sending(lent.array(), lease, () -> {
            try {
                ifp.output(DST, EthernetFrame.ETHERTYPE_IPV4, lent, true);
            } catch (Exception e) {
                failed[0] = e;
            }
        });
        if (failed[0] != null) {
            throw failed[0];
        }
        ifp.output(DST, EthernetFrame.ETHERTYPE_IPV4, ByteBuffer.wrap(new byte[100]), false);
        assertEquals(2, dev.leases.size());
        assertSame(lease, dev.leases.get(0), "the sender's lease, found without the registry");
        assertNull(dev.leases.get(1), "a buffer the interface made was never lent");
    }
}
