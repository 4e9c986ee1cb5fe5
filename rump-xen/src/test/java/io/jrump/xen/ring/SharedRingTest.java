package io.jrump.xen.ring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The io/ring.h rules: sizes, the producer/consumer indexes, the notify rule and the final checks. */
class SharedRingTest {
    /** A 16-byte slot holding one long (little-endian, as on x86). */
    static final RingCodec<Long> LONGS = new RingCodec<>() {
        @Override
        public int size() {
            return 16;
        }

        @Override
        public void encode(Long v, ByteBuffer page, int offset) {
            page.order(ByteOrder.LITTLE_ENDIAN).putLong(offset, v);
        }

        @Override
        public Long decode(ByteBuffer page, int offset) {
            return page.order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
        }
    };

    private final ByteBuffer page = ByteBuffer.allocateDirect(4096);
    private final SharedRing shared = new SharedRing(page, 16);

    @Test
    void sizeIsPowerOfTwoAfterTheHeader() {
        assertEquals(128, SharedRing.entries(4096, 16)); // (4096-64)/16 = 252 -> 128
        assertEquals(32, SharedRing.entries(4096, 112)); // blkif: (4096-64)/112 = 36 -> 32
        assertEquals(256, SharedRing.entries(4096, 12)); // netif tx: 336 -> 256
        assertEquals(0, SharedRing.entries(64, 16));
    }

    @Test
    void requestsAndResponsesFlowWithTheEventIndexRule() throws ErrnoException {
        shared.init();
        FrontRing<Long, Long> f = new FrontRing<>(shared, LONGS, LONGS);
        BackRing<Long, Long> b = new BackRing<>(shared, LONGS, LONGS);
        f.put(1L);
        f.put(2L);
        assertTrue(f.pushRequests(), "req_event starts at 1: the first push notifies");
        assertEquals(2, b.unconsumedRequests());
        assertEquals(1L, b.take());
        assertEquals(2L, b.take());
        assertFalse(b.finalCheckForRequests(), "nothing more; req_event now 3");
        f.put(3L);
        assertTrue(f.pushRequests(), "3 passes req_event 3");
        f.put(4L);
        assertFalse(f.pushRequests(), "backend has not asked again: no notify");
        assertEquals(2, b.unconsumedRequests());
        b.take();
        b.take();
        for (long v = 1; v <= 4; v++) {
            b.put(v * 10);
        }
        assertTrue(b.pushResponses(), "rsp_event starts at 1");
        assertEquals(4, f.unconsumedResponses());
        for (long v = 1; v <= 4; v++) {
            assertEquals(v * 10, f.take());
        }
        assertFalse(f.finalCheckForResponses());
        assertEquals(128, f.free());
    }

    @Test
    void aSidePollingSuppressesTheOthersNotifiesUntilItAsksAgain() throws ErrnoException {
        shared.init();
        FrontRing<Long, Long> f = new FrontRing<>(shared, LONGS, LONGS);
        BackRing<Long, Long> b = new BackRing<>(shared, LONGS, LONGS);
        f.put(1L);
        assertTrue(f.pushRequests());
        b.take();
        assertFalse(b.finalCheckForRequests());
        b.suppressRequestEvents(); // the backend polls
        assertFalse(b.requestsWaiting());
        f.put(2L);
        assertFalse(f.pushRequests(), "a polling backend is not notified");
        assertTrue(b.requestsWaiting(), "it sees the request by looking");
        b.take();
        assertFalse(b.finalCheckForRequests(), "asks again");
        f.put(3L);
        assertTrue(f.pushRequests(), "and is notified again");
        for (long v = 4; v <= 7; v++) {
            f.put(v);
        }
        f.pushRequests();
        for (int i = 0; i < 5; i++) {
            b.take();
        }

        for (long v = 1; v <= 3; v++) {
            b.put(v);
        }
        assertTrue(b.pushResponses());
        f.take();
        f.suppressResponseEvents(); // the frontend polls with two responses not consumed yet
        b.put(4L);
        assertFalse(b.pushResponses(), "a polling frontend is not notified");
        f.take();
        f.take();
        assertTrue(f.responsesWaiting());
        f.take();
        assertFalse(f.responsesWaiting());
        assertFalse(f.finalCheckForResponses(), "asks again");
        b.put(5L);
        b.put(6L);
        b.put(7L);
        assertTrue(b.pushResponses(), "and is notified again");
    }

    @Test
    void indexesWrapAround() throws ErrnoException {
        shared.init();
        FrontRing<Long, Long> f = new FrontRing<>(shared, LONGS, LONGS);
        BackRing<Long, Long> b = new BackRing<>(shared, LONGS, LONGS);
        for (long round = 0; round < 1000; round++) {
            int n = (int) (round % 128) + 1;
            for (int i = 0; i < n; i++) {
                f.put(round * 1000 + i);
            }
            assertTrue(f.free() >= 0);
            f.pushRequests();
            assertEquals(n, b.unconsumedRequests());
            for (int i = 0; i < n; i++) {
                b.put(b.take() + 1);
            }
            b.pushResponses();
            for (int i = 0; i < n; i++) {
                assertEquals(round * 1000 + i + 1, f.take());
            }
        }
    }

    @Test
    void hostileBackendIndexesAreEIO() throws ErrnoException {
        shared.init();
        FrontRing<Long, Long> f = new FrontRing<>(shared, LONGS, LONGS);
        f.put(1L);
        f.pushRequests();
        page.order(ByteOrder.LITTLE_ENDIAN).putInt(SharedRing.RSP_PROD, 5); // five responses to one request
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, f::unconsumedResponses).errno());
        page.putInt(SharedRing.RSP_PROD, -3);
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, f::finalCheckForResponses).errno());
    }

    @Test
    void hostileFrontendIndexesAreEIO() {
        shared.init();
        BackRing<Long, Long> b = new BackRing<>(shared, LONGS, LONGS);
        page.order(ByteOrder.LITTLE_ENDIAN).putInt(SharedRing.REQ_PROD, 129);
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, b::unconsumedRequests).errno());
    }
}
