package io.jrump.net.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.FrameLease;
import io.jrump.api.NetDevice;
import io.jrump.net.link.FrameTaker;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A link emulator over a bus port takes frames the sender gives up: one that leaves at once
 * unchanged reaches the receiver without a copy, one to be damaged is copied first, and loss
 * picks the same frames whether frames are given up or copied.
 */
class LinkEmulatorTakeTest {
    private static final byte[] MAC_A = {0x02, 0, 0, 0, 0, 0x0a};
    private static final byte[] MAC_B = {0x02, 0, 0, 0, 0, 0x0b};

    /** A 60-byte frame to B whose byte 20 is {@code n}. */
    private static ByteBuffer frame(int n) {
        ByteBuffer f = ByteBuffer.allocate(60);
        f.put(0, MAC_B).put(6, MAC_A).putShort(12, (short) 0x88b5).put(20, (byte) n);
        return f;
    }

    @Test
    void aFrameThatLeavesUnchangedIsNotCopied() throws Exception {
        EthernetBus bus = new EthernetBus();
        try (LinkEmulator a = new LinkEmulator(bus.port(MAC_A), 1, LinkEmulator.Impairments.none()); NetDevice b = bus.port(MAC_B)) {
            assertInstanceOf(FrameTaker.class, a);
            List<ByteBuffer> seen = new ArrayList<>();
            b.receiver(seen::add);
            ByteBuffer f = frame(1);
            a.transmitTaken(f);
            f.put(20, (byte) 2); // breaks the contract on purpose: shows the receiver saw this very memory
            assertEquals(2, seen.get(0).get(20));
            assertFalse(a.deliversStableFrames(), "an emulator promises receivers nothing about what it wraps");
        }
    }

    @Test
    void aFrameToBeDamagedIsCopiedFirst() throws Exception {
        EthernetBus bus = new EthernetBus();
        try (LinkEmulator a = new LinkEmulator(bus.port(MAC_A), 1, LinkEmulator.Impairments.none().withCorrupt(1)); NetDevice b = bus.port(MAC_B)) {
            List<ByteBuffer> seen = new ArrayList<>();
            b.receiver(seen::add);
            ByteBuffer f = frame(1);
            ByteBuffer original = ByteBuffer.allocate(60).put(0, f, 0, 60);
            a.transmitTaken(f);
            assertEquals(original, f, "the sender's memory is not damaged");
            assertNotEquals(original, seen.get(0), "the delivered copy is");
        }
    }

    /** Frames 0..n-1 given to an emulator losing half of them, by {@code taken} or copied transmits: the numbers delivered. */
    private static List<Integer> survivors(boolean taken, int n) throws Exception {
        EthernetBus bus = new EthernetBus();
        try (LinkEmulator a = new LinkEmulator(bus.port(MAC_A), 42, LinkEmulator.Impairments.none().withLoss(0.5).withDuplicate(0.1));
                NetDevice b = bus.port(MAC_B)) {
            List<Integer> got = new ArrayList<>();
            b.receiver(x -> got.add((int) x.get(20)));
            for (int i = 0; i < n; i++) {
                if (taken) {
                    a.transmitTaken(frame(i));
                } else {
                    a.transmit(frame(i));
                }
            }
            return got;
        }
    }

    /**
     * Like {@link #survivors}, after {@code perfect} frames (numbered from 100) sent while the
     * link has no impairments: the numbers delivered from frame 0 on.
     */
    private static List<Integer> survivorsAfterPerfect(boolean taken, int perfect, int n) throws Exception {
        EthernetBus bus = new EthernetBus();
        try (LinkEmulator a = new LinkEmulator(bus.port(MAC_A), 42, LinkEmulator.Impairments.none());
                NetDevice b = bus.port(MAC_B)) {
            List<Integer> got = new ArrayList<>();
            b.receiver(x -> got.add((int) x.get(20)));
            for (int i = 0; i < perfect; i++) {
                if (taken) {
                    a.transmitTaken(frame(100 + i));
                } else {
                    a.transmit(frame(100 + i));
                }
            }
            assertEquals(perfect, got.size(), "a perfect link delivers everything once");
            got.clear();
            a.impairments(LinkEmulator.Impairments.none().withLoss(0.5).withDuplicate(0.1));
            for (int i = 0; i < n; i++) {
                if (taken) {
                    a.transmitTaken(frame(i));
                } else {
                    a.transmit(frame(i));
                }
            }
            return got;
        }
    }

    /** A link without impairments draws no random numbers: frames sent over it do not shift the seed's later choices. */
    @Test
    void aPerfectLinkDrawsNothingOnEitherPath() throws Exception {
        assertEquals(survivors(true, 100), survivorsAfterPerfect(true, 10, 100));
        assertEquals(survivors(false, 100), survivorsAfterPerfect(false, 10, 100));
    }

    @Test
    void lossAndDuplicationPickTheSameFramesEitherWay() throws Exception {
        List<Integer> copied = survivors(false, 100);
        assertEquals(copied, survivors(true, 100));
        assertNotEquals(100, copied.size());
    }

    /**
     * A frame the emulator copies (given with {@code transmit}) goes on in memory it keeps and
     * lends: frames nobody keeps leave it to the next frame, so one array serves them all, and a
     * frame a receiver keeps past the delivery, retaining the lease, is never overwritten by the
     * frames that follow, more of them than the emulator keeps arrays.
     */
    @Test
    void aCopyAReceiverKeepsIsNeverFilledAgain() throws Exception {
        EthernetBus bus = new EthernetBus();
        try (LinkEmulator a = new LinkEmulator(bus.port(MAC_A), 1, LinkEmulator.Impairments.none()); NetDevice b = bus.port(MAC_B)) {
            List<FrameLease> leases = new ArrayList<>();
            List<ByteBuffer> kept = new ArrayList<>();
            boolean[] keep = {false};
            b.receiver(f -> {
                FrameLease l = FrameLease.delivering();
                leases.add(l);
                if (keep[0] && l != null) {
                    l.retain();
                    kept.add(f);
                }
            });
            for (int i = 0; i < 10; i++) {
                a.transmit(frame(i));
            }
            assertNotNull(leases.get(0), "the copy is lent memory");
            for (FrameLease l : leases) {
                assertSame(leases.get(0), l, "one kept array serves frames nobody keeps");
            }
            keep[0] = true;
            for (int i = 0; i < 300; i++) {
                a.transmit(frame(i));
            }
            assertTrue(kept.size() > 100, kept.size() + " frames kept in lent memory");
            assertNotSame(leases.get(10), leases.get(11), "a kept frame's array is not used for the next one");
            for (int i = 0; i < kept.size(); i++) {
                assertEquals((byte) i, kept.get(i).get(20), "kept frame " + i + " overwritten");
            }
            kept.clear();
            leases.stream().filter(l -> l != null && !l.isFree()).distinct().forEach(l -> {
                while (!l.isFree()) {
                    l.release();
                }
            });
        }
    }
}
