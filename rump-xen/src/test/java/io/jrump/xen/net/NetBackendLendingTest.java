package io.jrump.xen.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.FrameLease;
import io.jrump.api.NetDevice.Offload;
import io.jrump.xen.testing.TwoDomains;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Netback lends the memory it copies transmitted packets into ({@link LentFrame}): a sink that
 * keeps a frame retains its lease, and the array is never filled again until it releases it,
 * however many packets follow; a frame nobody keeps leaves its array free for the next packet,
 * so a stream of packets reuses a few arrays instead of allocating one each.
 */
class NetBackendLendingTest {
    private TwoDomains doms;
    private NetBackend back;
    private NetFront front;
    /** Every frame's array, in the order the sink saw them. */
    private final List<byte[]> arrays = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger seen = new AtomicInteger();
    private volatile Consumer<ByteBuffer> keeper = f -> { };

    @BeforeEach
    void boot() throws Exception {
        doms = new TwoDomains(1024);
        back = NetBackend.create(doms.xs0, doms.dom0, 1, 0, NetFrontTest.MAC1, EnumSet.allOf(Offload.class), f -> {
            arrays.add(f.array());
            keeper.accept(f);
            seen.incrementAndGet();
        });
        front = NetFront.connect(doms.xs1, doms.dom1, back.frontendPath(), Duration.ofSeconds(20));
    }

    @AfterEach
    void shutdown() {
        front.close();
        back.close();
        doms.close();
    }

    /** A TCP frame of {@code payload} bytes (a GSO packet when past the MTU), filled with {@code fill}. */
    private static byte[] frame(int payload, byte fill) {
        byte[] f = NetFrontTest.tcpFrame(payload);
        java.util.Arrays.fill(f, 54, f.length, fill);
        return f;
    }

    private void send(byte[] frame, int count) throws Exception {
        int before = seen.get();
        for (int i = 0; i < count; i++) {
            front.transmit(ByteBuffer.wrap(frame));
        }
        NetFrontTest.await(() -> seen.get() == before + count, count + " frames at the sink");
    }

    @Test
    void aFrameKeptUnderItsLeaseIsNeverFilledAgain() throws Exception {
        for (int payload : new int[] {1000, 60_000}) {
            byte[] first = frame(payload, (byte) 0x11);
            ByteBuffer[] kept = new ByteBuffer[1];
            FrameLease[] lease = new FrameLease[1];
            keeper = f -> {
                if (kept[0] == null) {
                    lease[0] = FrameLease.of(f.array());
                    if (lease[0] != null) {
                        lease[0].retain();
                    }
                    kept[0] = f.duplicate();
                }
            };
            send(first, 1);
            keeper = f -> { };
            assertNotNull(lease[0], "the frame's memory is named as lent during the call");
            int mark = arrays.size();
            byte[] keptArray = arrays.get(mark - 1);
            // more packets of the same size than the backend keeps arrays of: it must never pick the kept one
            send(frame(payload, (byte) 0x22), NetBackend.KEPT_FRAMES + 8);
            byte[] now = new byte[kept[0].remaining()];
            kept[0].get(kept[0].position(), now);
            assertArrayEquals(first, now, "the kept frame of " + payload + " bytes is intact");
            for (byte[] a : arrays.subList(mark, arrays.size())) {
                assertTrue(a != keptArray, "an array in use was lent again");
            }
            lease[0].release();
            mark = arrays.size();
            send(frame(payload, (byte) 0x33), 4);
            assertTrue(arrays.subList(mark, arrays.size()).stream().anyMatch(a -> a == keptArray), "the array is used again once released");
        }
    }

    @Test
    void aStreamOfPacketsReusesAFewArrays() throws Exception {
        for (int payload : new int[] {1000, 60_000}) {
            arrays.clear();
            byte[] f = frame(payload, (byte) 0x44);
            for (int i = 0; i < 50; i++) {
                send(f, 1);
            }
            Set<byte[]> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            distinct.addAll(arrays);
            assertEquals(50, arrays.size());
            assertTrue(distinct.size() <= 2, distinct.size() + " arrays for 50 packets of " + payload + " bytes sent one at a time");
        }
    }
}
