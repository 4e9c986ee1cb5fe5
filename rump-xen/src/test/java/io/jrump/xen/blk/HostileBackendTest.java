package io.jrump.xen.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.hv.Hypervisor;
import io.jrump.xen.hv.emu.EmulatedXen;
import io.jrump.xen.ring.BackRing;
import io.jrump.xen.ring.SharedRing;
import io.jrump.xen.xenstore.XenStoreClient;
import io.jrump.xen.xenstore.XsStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * blkfront against a backend that lies: unknown response ids, duplicate responses, impossible
 * ring indexes, silence, garbage in xenstore. Each gives EIO (or EINVAL at connect) and a
 * disconnected device, never a hang or an unchecked exception in the caller.
 */
class HostileBackendTest {
    static final String FE = "/local/domain/1/device/vbd/768";
    static final String BE = "/local/domain/0/backend/vbd/1/768";

    private EmulatedXen xen;
    private Hypervisor dom0;
    private Hypervisor dom1;
    private XenStoreClient xs0;
    private XenStoreClient xs1;
    private EventChannel channel;
    private GrantMapper.Mapping ringMap;
    private BackRing<BlkRequest, BlkResponse> ring;

    @BeforeEach
    void boot() throws ErrnoException {
        xen = new EmulatedXen();
        XsStore store = new XsStore();
        dom0 = xen.createDomain(0, 16);
        dom1 = xen.createDomain(1, 1024);
        xs0 = XenStoreClient.open(store.connect(0));
        xs1 = XenStoreClient.open(store.connect(1));
        xs0.write(FE + "/backend", BE);
        xs0.write(FE + "/backend-id", "0");
        xs0.write(BE + "/sectors", "2048");
        xs0.write(BE + "/state", "2");
    }

    @AfterEach
    void shutdown() {
        // under the handler's lock: a delivery still running must not read the ring after it is unmapped
        synchronized (this) {
            if (channel != null) {
                channel.close();
            }
            if (ringMap != null) {
                ringMap.close();
                ringMap = null;
            }
        }
        xs0.close();
        xs1.close();
        xen.close();
    }

    /** Connects a frontend whose requests go to {@code rogue} (run on the event channel thread). */
    private BlkFront connect(Duration timeout, BiConsumer<BlkRequest, BackRing<BlkRequest, BlkResponse>> rogue) throws Exception {
        CompletableFuture<BlkFront> f = CompletableFuture.supplyAsync(() -> {
            try {
                return BlkFront.connect(xs1, dom1, FE, timeout);
            } catch (ErrnoException e) {
                throw new RuntimeException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"3".equals(readOrNull(FE + "/state"))) {
            assertTrue(System.nanoTime() < deadline, "frontend never went Initialised");
            Thread.sleep(5);
        }
        ringMap = dom0.grantMapper().map(1, Integer.parseInt(xs0.read(FE + "/ring-ref")), true);
        ring = new BackRing<>(new SharedRing(ringMap.page(), Blkif.REQ_SIZE), BlkRequest.CODEC, BlkResponse.CODEC);
        channel = dom0.eventChannels().bindInterdomain(1, Integer.parseInt(xs0.read(FE + "/event-channel")));
        channel.handler(() -> {
            synchronized (this) {
                if (ringMap == null) {
                    return;
                }
                try {
                    while (ring.unconsumedRequests() > 0) {
                        rogue.accept(ring.take(), ring);
                    }
                    ring.finalCheckForRequests();
                } catch (ErrnoException e) {
                    // the rogue's own ring view went out of step after its lies; it stops answering
                }
            }
        });
        channel.unmask();
        xs0.write(BE + "/state", "4");
        return f.get(10, TimeUnit.SECONDS);
    }

    private String readOrNull(String path) {
        try {
            return xs0.read(path);
        } catch (ErrnoException e) {
            return null;
        }
    }

    private void respond(BackRing<BlkRequest, BlkResponse> r, BlkResponse rsp) {
        r.put(rsp);
        r.pushResponses();
        try {
            channel.notifyPeer();
        } catch (ErrnoException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertDisconnected(BlkFront f, String... reasons) {
        ErrnoException e = assertThrows(ErrnoException.class, () -> f.read(0, ByteBuffer.allocate(512)));
        assertEquals(Errno.EIO, e.errno());
        assertNotNull(f.disconnectedReason());
        assertTrue(java.util.Arrays.stream(reasons).anyMatch(f.disconnectedReason()::contains), f.disconnectedReason());
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> f.read(0, ByteBuffer.allocate(512))).errno(), "stays disconnected");
    }

    @Test
    void responseWithAnIdNeverIssued() throws Exception {
        try (BlkFront f = connect(Duration.ofSeconds(10), (q, r) -> respond(r, new BlkResponse(q.id() + 1000, q.operation(), (short) 0)))) {
            assertDisconnected(f, "not in flight");
        }
    }

    @Test
    void sameResponseTwice() throws Exception {
        try (BlkFront f = connect(Duration.ofSeconds(10), (q, r) -> {
            r.put(new BlkResponse(q.id(), q.operation(), (short) 0));
            respond(r, new BlkResponse(q.id(), q.operation(), (short) 0));
        })) {
            // the first read may complete; the duplicate disconnects
            try {
                f.read(0, ByteBuffer.allocate(512));
            } catch (ErrnoException e) {
                assertEquals(Errno.EIO, e.errno());
            }
            assertDisconnected(f, "not in flight", "rsp_prod");
        }
    }

    @Test
    void impossibleResponseIndex() throws Exception {
        try (BlkFront f = connect(Duration.ofSeconds(10), (q, r) -> {
            ringMap.page().order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1_000_000); // rsp_prod far past anything requested
            try {
                channel.notifyPeer();
            } catch (ErrnoException e) {
                throw new AssertionError(e);
            }
        })) {
            assertDisconnected(f, "rsp_prod");
        }
    }

    @Test
    void backendThatNeverAnswers() throws Exception {
        try (BlkFront f = connect(Duration.ofMillis(300), (q, r) -> { })) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> f.write(0, ByteBuffer.allocate(4096)));
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains("no response"), e.getMessage());
            assertDisconnected(f, "no response");
        }
    }

    @Test
    void garbageSizeInXenstore() throws Exception {
        xs0.write(BE + "/sectors", "lots");
        Exception e = assertThrows(Exception.class, () -> connect(Duration.ofSeconds(5), (q, r) -> { }));
        ErrnoException cause = (ErrnoException) e.getCause().getCause();
        assertEquals(Errno.EINVAL, cause.errno());
        assertTrue(cause.getMessage().contains("not a number"), cause.getMessage());
    }
}
