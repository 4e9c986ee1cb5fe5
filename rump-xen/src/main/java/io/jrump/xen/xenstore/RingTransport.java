package io.jrump.xen.xenstore;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.xen.hv.EventChannel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * xenstore over the shared page every guest gets ({@code struct xenstore_domain_interface}
 * in {@code xen/include/public/io/xs_wire.h}): two byte rings of {@code XENSTORE_RING_SIZE}
 * (1024) bytes, requests at offset 0 and replies at 1024, each with free-running 32-bit
 * consumer and producer indexes ({@code req_cons, req_prod, rsp_cons, rsp_prod} at 2048..2060)
 * masked by the ring size. The producer copies bytes and then publishes its index with a
 * release store; the consumer reads the index with an acquire load, then the bytes; each side
 * signals the event channel after moving an index.
 *
 * <p>The daemon is not trusted: an index pair whose distance exceeds the ring size is
 * corruption, reported as EIO, and no byte is ever read or written outside the two rings.
 * Waiting re-reads the indexes at least every {@link #RECHECK_MILLIS} ms, so a lost
 * notification delays a message rather than hanging the client.
 */
public final class RingTransport implements XsTransport {
    /** {@code XENSTORE_RING_SIZE}. */
    public static final int RING_SIZE = 1024;
    static final int REQ = 0;
    static final int RSP = 1024;
    static final int REQ_CONS = 2048;
    static final int REQ_PROD = 2052;
    static final int RSP_CONS = 2056;
    static final int RSP_PROD = 2060;
    static final int SERVER_FEATURES = 2064;
    static final int CONNECTION = 2068;
    static final int ERROR = 2072;
    /** The bytes of the page the interface occupies. */
    public static final int INTERFACE_SIZE = 2076;
    static final long RECHECK_MILLIS = 50;

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer page;
    private final EventChannel channel;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean closed;

    /**
     * @param page the shared page (at least {@link #INTERFACE_SIZE} bytes, direct or mapped)
     * @param channel the event channel bound to the daemon's port
     */
    public RingTransport(ByteBuffer page, EventChannel channel) {
        if (page.capacity() < INTERFACE_SIZE) {
            throw new IllegalArgumentException("xenstore page of " + page.capacity() + " bytes is smaller than the interface");
        }
        this.page = page.duplicate().clear();
        this.channel = channel;
        channel.handler(this::wake);
        channel.unmask();
    }

    private void wake() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private int get(int offset) {
        return (int) INT.getAcquire(page, offset);
    }

    private void set(int offset, int value) {
        INT.setRelease(page, offset, value);
    }

    @Override
    public void send(XsMessage message) throws ErrnoException {
        ByteBuffer b = message.bytes();
        while (b.hasRemaining()) {
            int cons = get(REQ_CONS);
            int prod = get(REQ_PROD);
            int used = prod - cons;
            if (Integer.compareUnsigned(used, RING_SIZE) > 0) {
                throw corrupt("request", cons, prod);
            }
            int space = RING_SIZE - used;
            if (space == 0) {
                await("write");
                continue;
            }
            int at = prod & (RING_SIZE - 1);
            int n = Math.min(Math.min(space, RING_SIZE - at), b.remaining());
            page.put(REQ + at, b, b.position(), n);
            b.position(b.position() + n);
            set(REQ_PROD, prod + n);
            channel.notifyPeer();
        }
    }

    @Override
    public XsMessage receive() throws ErrnoException {
        ByteBuffer header = ByteBuffer.allocate(XsMessage.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        fill(header);
        long len = Integer.toUnsignedLong(header.getInt(XsMessage.LEN));
        if (len > XsMessage.PAYLOAD_MAX) {
            throw new ErrnoException(Errno.EIO, "xenstore ring: payload length " + len + " exceeds " + XsMessage.PAYLOAD_MAX);
        }
        ByteBuffer whole = ByteBuffer.allocate(XsMessage.HEADER_SIZE + (int) len);
        whole.put(header.flip());
        fill(whole);
        return XsMessage.wrap(whole.flip()).check();
    }

    private void fill(ByteBuffer dst) throws ErrnoException {
        while (dst.hasRemaining()) {
            int cons = get(RSP_CONS);
            int prod = get(RSP_PROD);
            int avail = prod - cons;
            if (Integer.compareUnsigned(avail, RING_SIZE) > 0) {
                throw corrupt("reply", cons, prod);
            }
            if (avail == 0) {
                await("read");
                continue;
            }
            int at = cons & (RING_SIZE - 1);
            int n = Math.min(Math.min(avail, RING_SIZE - at), dst.remaining());
            dst.put(dst.position(), page, RSP + at, n);
            dst.position(dst.position() + n);
            set(RSP_CONS, cons + n);
            channel.notifyPeer();
        }
    }

    private ErrnoException corrupt(String ring, int cons, int prod) {
        return new ErrnoException(Errno.EIO, "xenstore ring: " + ring + " indexes cons " + Integer.toUnsignedString(cons) + " prod "
                + Integer.toUnsignedString(prod) + " are more than " + RING_SIZE + " apart");
    }

    private void await(String what) throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.EIO, "xenstore ring: " + what + " on a closed connection");
        }
        lock.lock();
        try {
            changed.await(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, "xenstore ring: interrupted in " + what);
        } finally {
            lock.unlock();
        }
    }

    /** Stops waiting; the event channel belongs to the caller, who closes it. */
    @Override
    public void close() {
        closed = true;
        wake();
    }
}
