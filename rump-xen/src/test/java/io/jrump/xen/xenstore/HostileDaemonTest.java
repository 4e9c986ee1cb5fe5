package io.jrump.xen.xenstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The client against a daemon that lies: stray ids, wrong types, unknown errors, silence, broken framing. */
class HostileDaemonTest {
    /** A transport whose daemon answers each request with what {@code answer} makes (null: silence). */
    private static XsTransport daemon(Function<XsMessage, XsMessage> answer) {
        LinkedBlockingQueue<Object> out = new LinkedBlockingQueue<>();
        return new XsTransport() {
            @Override
            public void send(XsMessage m) {
                XsMessage r = answer.apply(m);
                if (r != null) {
                    out.add(r);
                }
            }

            @Override
            public XsMessage receive() throws ErrnoException {
                try {
                    Object o = out.take();
                    if (o instanceof ErrnoException e) {
                        throw e;
                    }
                    return (XsMessage) o;
                } catch (InterruptedException e) {
                    throw new ErrnoException(Errno.EINTR);
                }
            }

            @Override
            public void close() {
                out.add(new ErrnoException(Errno.EIO, "closed"));
            }
        };
    }

    private static XsMessage reply(XsType type, int reqId, String payload) {
        try {
            return XsMessage.build(type, reqId, 0, payload.getBytes(StandardCharsets.UTF_8));
        } catch (ErrnoException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void strayIdsAreCountedAndTheCallerTimesOut() throws Exception {
        try (XenStoreClient c = XenStoreClient.open(daemon(m -> reply(XsType.READ, m.reqId() + 77, "x")), Thread::new, Duration.ofMillis(300))) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> c.read("/a"));
            assertEquals(Errno.ETIMEDOUT, e.errno());
            assertEquals(1, c.strayReplies());
        }
    }

    @Test
    void silenceIsETIMEDOUT() throws Exception {
        try (XenStoreClient c = XenStoreClient.open(daemon(m -> null), Thread::new, Duration.ofMillis(200))) {
            assertEquals(Errno.ETIMEDOUT, assertThrows(ErrnoException.class, () -> c.write("/a", "b")).errno());
        }
    }

    @Test
    void wrongReplyTypeAndUnknownErrorAreEIO() throws Exception {
        try (XenStoreClient c = XenStoreClient.open(daemon(m -> reply(XsType.DIRECTORY, m.reqId(), "x\0")))) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> c.read("/a"));
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains("answered with"), e.getMessage());
        }
        try (XenStoreClient c = XenStoreClient.open(daemon(m -> reply(XsType.ERROR, m.reqId(), "EWHATEVER\0")))) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> c.read("/a"));
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains("EWHATEVER"), e.getMessage());
        }
        try (XenStoreClient c = XenStoreClient.open(daemon(m -> reply(XsType.TRANSACTION_START, m.reqId(), "not-a-number\0")))) {
            assertEquals(Errno.EIO, assertThrows(ErrnoException.class, c::startTransaction).errno());
        }
    }

    @Test
    void brokenConnectionFailsWaitersAndLaterCalls() throws Exception {
        XsTransport t = daemon(m -> null);
        try (XenStoreClient c = XenStoreClient.open(t)) {
            Thread closer = new Thread(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                t.close();
            });
            closer.start();
            assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> c.read("/a")).errno());
            assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> c.read("/b")).errno());
        }
    }

    @Test
    void messageViewChecksItsFraming() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 4097);
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> XsMessage.wrap(b).check()).errno());
        b.putInt(12, 10);
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> XsMessage.wrap(b).check()).errno(), "4 of 10 bytes present");
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> XsMessage.wrap(ByteBuffer.allocate(8)).check()).errno());
        assertEquals(Errno.E2BIG, assertThrows(ErrnoException.class, () -> XsMessage.build(XsType.WRITE, 1, 0, new byte[4097])).errno());
    }

    @Test
    void ringIndexesTooFarApartAreEIO() throws Exception {
        ByteBuffer page = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
        io.jrump.xen.hv.EventChannel quiet = new io.jrump.xen.hv.EventChannel() {
            public int port() {
                return 1;
            }

            public void notifyPeer() {
            }

            public void handler(Runnable h) {
            }

            public void mask() {
            }

            public void unmask() {
            }

            public void close() {
            }
        };
        RingTransport t = new RingTransport(page, quiet);
        page.putInt(RingTransport.RSP_PROD, 5000); // 5000 bytes "available" in a 1024-byte ring
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, t::receive).errno());
        page.putInt(RingTransport.RSP_PROD, 0).putInt(RingTransport.REQ_CONS, 0).putInt(RingTransport.REQ_PROD, 2000);
        assertEquals(Errno.EIO, assertThrows(ErrnoException.class, () -> t.send(XsMessage.build(XsType.READ, 1, 0, new byte[] {'/', 0}))).errno());
    }
}
