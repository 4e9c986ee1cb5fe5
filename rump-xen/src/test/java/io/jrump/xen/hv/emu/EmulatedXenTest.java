package io.jrump.xen.hv.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.testing.Peers;
import io.jrump.xen.hv.EventChannel;
import io.jrump.xen.hv.GrantMapper;
import io.jrump.xen.hv.GrantTable;
import io.jrump.xen.hv.GrantedPage;
import io.jrump.xen.hv.Hypervisor;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Grant tables and event channels of the emulated hypervisor, between a frontend domain 1 and a backend domain 0. */
class EmulatedXenTest {
    private EmulatedXen xen;
    private Hypervisor back;
    private Hypervisor front;

    @BeforeEach
    void boot() throws ErrnoException {
        xen = new EmulatedXen();
        back = xen.createDomain(0, 16);
        front = xen.createDomain(1, 64);
    }

    @AfterEach
    void destroy() {
        xen.close();
    }

    @Test
    void pagesGrantedSideBySideMapAsOneBuffer() throws Exception {
        GrantTable gt = front.grantTable();
        GrantedPage a = gt.grant(0, false);
        GrantedPage b = gt.grant(0, false);
        GrantedPage c = gt.grant(0, false);
        GrantedPage other = gt.grant(5, false);
        try (GrantMapper.Mapping run = back.grantMapper().mapContiguous(1, new int[] {a.ref(), b.ref(), c.ref()}, true)) {
            assertEquals(3 * 4096, run.page().capacity());
            run.page().put(4096 + 7, (byte) 9);
            assertEquals(9, b.page().get(7), "the second page of the run is the second grant");
            assertEquals(Errno.EBUSY, assertThrows(ErrnoException.class, () -> gt.endAccess(c)).errno(), "every page of the run is mapped");
        }
        assertNull(back.grantMapper().mapContiguous(1, new int[] {a.ref(), c.ref()}, false), "frames not side by side");
        gt.endAccess(c);
        assertEquals(Errno.EACCES, assertThrows(ErrnoException.class,
                () -> back.grantMapper().mapContiguous(1, new int[] {b.ref(), other.ref()}, false)).errno(), "a grant to another domain");
        gt.endAccess(a);
        gt.endAccess(b);
    }

    @Test
    void closeWaitsForARunningHandler() throws Exception {
        EventChannel f = front.eventChannels().allocUnbound(0);
        EventChannel b = back.eventChannels().bindInterdomain(1, f.port());
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
        f.handler(() -> {
            entered.countDown();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finished.set(true);
        });
        f.unmask();
        b.notifyPeer();
        assertTrue(entered.await(10, TimeUnit.SECONDS), "handler ran");
        f.close();
        assertTrue(finished.get(), "close returned only after the running handler did");
        b.close();
    }

    @Test
    void closeFromInsideTheHandlerReturnsAtOnce() throws Exception {
        EventChannel f = front.eventChannels().allocUnbound(0);
        EventChannel b = back.eventChannels().bindInterdomain(1, f.port());
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        f.handler(() -> {
            f.close();
            closed.countDown();
        });
        f.unmask();
        b.notifyPeer();
        assertTrue(closed.await(10, TimeUnit.SECONDS), "close from the handler did not wait for itself");
        b.close();
    }

    @Test
    void grantedPageIsSharedAndChecked() throws Exception {
        GrantTable gt = front.grantTable();
        GrantedPage p = gt.grant(0, false);
        assertTrue(p.ref() >= GrantTable.RESERVED_ENTRIES, "reserved references are never handed out");
        p.page().put(0, "from the frontend".getBytes(StandardCharsets.US_ASCII));
        GrantMapper m = back.grantMapper();
        try (GrantMapper.Mapping map = m.map(1, p.ref(), true)) {
            byte[] b = new byte[17];
            map.page().get(0, b);
            assertEquals("from the frontend", new String(b, StandardCharsets.US_ASCII));
            map.page().put(100, (byte) 42);
            assertEquals(42, p.page().get(100));
            ErrnoException busy = assertThrows(ErrnoException.class, () -> gt.endAccess(p));
            assertEquals(Errno.EBUSY, busy.errno(), "end access honours GTF_writing/GTF_reading");
        }
        gt.endAccess(p);
        assertEquals(0, gt.inUse());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> m.map(1, p.ref(), false)).errno(), "ended grant");
    }

    @Test
    void tryEndAccessAnswersFalseWhileMappedAndLeavesTheGrant() throws Exception {
        GrantTable gt = front.grantTable();
        GrantedPage p = gt.grant(0, false);
        GrantMapper m = back.grantMapper();
        try (GrantMapper.Mapping map = m.map(1, p.ref(), true)) {
            assertFalse(gt.tryEndAccess(p), "still mapped");
            assertEquals(1, gt.inUse());
            map.page().put(0, (byte) 7);
            assertEquals(7, p.page().get(0), "the grant is as it was");
        }
        assertTrue(gt.tryEndAccess(p), "unmapped: ended");
        assertEquals(0, gt.inUse());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> gt.tryEndAccess(p)).errno(), "already ended");
    }

    @Test
    void mappingRefusesWhatWasNotGranted() throws Exception {
        GrantMapper m = back.grantMapper();
        GrantedPage ro = front.grantTable().grant(0, true);
        GrantedPage other = front.grantTable().grant(5, false);
        assertEquals(Errno.EACCES, assertThrows(ErrnoException.class, () -> m.map(1, ro.ref(), true)).errno(), "read-only");
        try (GrantMapper.Mapping r = m.map(1, ro.ref(), false)) {
            assertEquals(4096, r.page().capacity());
        }
        assertEquals(Errno.EACCES, assertThrows(ErrnoException.class, () -> m.map(1, other.ref(), false)).errno(), "granted to domain 5");
        for (int ref : new int[] {0, 7, EmulatedXen.TABLE_FRAMES * 512, -1, Integer.MAX_VALUE}) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> m.map(1, ref, false), "ref " + ref);
            assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        }
        assertEquals(Errno.ESRCH, assertThrows(ErrnoException.class, () -> m.map(9, ro.ref(), false)).errno());
    }

    @Test
    void forgedFrameIsNotMapped() throws Exception {
        EmulatedGrantTable gt = xen.grantTableOf(1);
        GrantedPage p = gt.grant(0, false);
        // a frontend (or memory corruption) pointing an entry at its grant table or past its memory
        for (int frame : new int[] {0, EmulatedXen.TABLE_FRAMES - 1, gt.memory().pages(), -1}) {
            gt.entries().publish(p.ref(), GrantEntries.GTF_PERMIT_ACCESS, 0, frame);
            ErrnoException e = assertThrows(ErrnoException.class, () -> back.grantMapper().map(1, p.ref(), false));
            assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        }
    }

    @Test
    void tableRunsOutWithENOSPC() throws Exception {
        Set<Integer> refs = new HashSet<>();
        ErrnoException e = null;
        for (int i = 0; i < 100 && e == null; i++) {
            try {
                refs.add(front.grantTable().grant(0, false).ref());
            } catch (ErrnoException x) {
                e = x;
            }
        }
        assertEquals(64, refs.size(), "one grant per page of the domain");
        assertEquals(Errno.ENOSPC, e.errno());
    }

    @Test
    void anotherProcessSeesGrantedPages() throws Exception {
        Peers.require("dd", "coreutils");
        EmulatedGrantTable gt = xen.grantTableOf(1);
        GrantedPage p = gt.grant(0, false);
        p.page().put(0, "shared with a process".getBytes(StandardCharsets.US_ASCII));
        String out = Peers.ok("dd", "if=" + gt.memory().path(), "bs=4096", "skip=" + p.frame(), "count=1", "status=none");
        assertTrue(out.startsWith("shared with a process"), out);
    }

    @Test
    void eventChannelsDeliverToHandlersAndHonourMasks() throws Exception {
        EventChannel f = front.eventChannels().allocUnbound(0);
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> xen.createDomain(2, 1).eventChannels().bindInterdomain(1, f.port())).errno(),
                "offered to domain 0 only");
        EventChannel b = back.eventChannels().bindInterdomain(1, f.port());
        assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> back.eventChannels().bindInterdomain(1, f.port())).errno(), "already bound");
        LinkedBlockingQueue<String> got = new LinkedBlockingQueue<>();
        f.handler(() -> got.add("front"));
        b.handler(() -> got.add("back"));
        f.unmask();
        b.unmask();
        f.notifyPeer();
        assertEquals("back", got.poll(10, TimeUnit.SECONDS));
        b.notifyPeer();
        assertEquals("front", got.poll(10, TimeUnit.SECONDS));
        f.mask();
        b.notifyPeer();
        assertNull(got.poll(200, TimeUnit.MILLISECONDS), "masked: held pending");
        f.unmask();
        assertEquals("front", got.poll(10, TimeUnit.SECONDS), "delivered on unmask");
        b.close();
        assertEquals(Errno.EBADF, assertThrows(ErrnoException.class, b::notifyPeer).errno());
        f.notifyPeer(); // to a closed port: lost, as on Xen, not an error
        assertFalse(got.poll(100, TimeUnit.MILLISECONDS) != null);
    }

    @Test
    void aCallerWaitsOnAPortWithoutHandler() throws Exception {
        EventChannel f = front.eventChannels().allocUnbound(0);
        EventChannel b = back.eventChannels().bindInterdomain(1, f.port());
        assertTrue(f.callerWaits());
        assertFalse(f.await(20_000_000), "nothing sent: the wait times out");
        b.notifyPeer();
        b.notifyPeer();
        assertTrue(f.await(5_000_000_000L), "a notification sent before the wait is not lost");
        assertFalse(f.await(20_000_000), "two notifications may arrive as one");
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(50);
                b.notifyPeer();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        assertTrue(f.await(5_000_000_000L), "woken by the other end");
        t.join();
        Thread closer = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            f.close();
        });
        closer.start();
        long t0 = System.nanoTime();
        f.await(10_000_000_000L);
        assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "close wakes a waiter");
        closer.join();
        assertEquals(Errno.EBADF, assertThrows(ErrnoException.class, () -> f.await(1_000_000)).errno());
        b.close();
    }

    @Test
    void runsOfPagesAreConsecutiveFrames() throws Exception {
        GrantedPage single = front.grantTable().grant(0, false);
        var run = front.grantTable().grantRun(0, 8, false);
        for (int i = 1; i < 8; i++) {
            assertEquals(run.pages().get(0).frame() + i, run.pages().get(i).frame());
        }
        run.view().put(4096 * 3 + 5, (byte) 42);
        assertEquals(42, run.pages().get(3).page().get(5), "the view and the pages share bytes");
        int[] refs = run.pages().stream().mapToInt(GrantedPage::ref).toArray();
        try (GrantMapper.Mapping m = back.grantMapper().mapContiguous(1, refs, true)) {
            assertEquals(8 * 4096, m.page().capacity());
            assertEquals(42, m.page().get(4096 * 3 + 5));
        }
        front.grantTable().endAccess(run.pages().get(2));
        assertEquals(Errno.ENOSPC, assertThrows(ErrnoException.class, () -> front.grantTable().grantRun(0, 1000, false)).errno(), "no run that long");
        front.grantTable().endAccess(single);
    }

    @Test
    void unboundPortCannotNotify() throws Exception {
        EventChannel f = front.eventChannels().allocUnbound(0);
        assertEquals(Errno.ENOTCONN, assertThrows(ErrnoException.class, f::notifyPeer).errno());
        assertArrayEquals(new int[] {1}, new int[] {f.port()});
    }
}
