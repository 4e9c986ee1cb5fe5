package io.jrump.virtio.vhost;

import io.jrump.platform.host.linux.Libc;
import static io.jrump.virtio.vhost.VhostUserMessage.*;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.virtio.DmaPool;
import io.jrump.virtio.RingLayout;
import io.jrump.virtio.SplitQueue;
import io.jrump.virtio.Transport;
import io.jrump.virtio.Virtio;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * A virtio device in another process, reached as a vhost-user frontend (QEMU's
 * {@code docs/interop/vhost-user.rst}): this side owns the rings and buffers in shared memory
 * ({@link SharedMemory}), the backend (qemu-storage-daemon, DPDK) maps that memory and serves
 * the rings, kicks and calls go through eventfds.
 *
 * <p>vhost-user has no device status register; the virtio steps map onto messages: features
 * are GET_FEATURES and SET_FEATURES (with bit 30, protocol features, kept for the backend), a
 * queue is SET_VRING_NUM/BASE/ADDR/KICK/CALL, DRIVER_OK enables the rings (SET_VRING_ENABLE,
 * needed once protocol features are negotiated) and starts the thread that waits on the call
 * eventfds. The configuration space is GET_CONFIG when the backend has the CONFIG protocol
 * feature, else it reads as zeroes (a network backend has none; its driver chooses the MAC).
 * With REPLY_ACK every setting message asks for an acknowledgement, so a refused setting is an
 * error here and not a silent stall later. Closing stops each ring with GET_VRING_BASE.
 *
 * <p>Addresses: descriptors carry guest-physical addresses (offsets from the region's base),
 * SET_VRING_ADDR carries this process's addresses of the same bytes (see the region's
 * {@code userspace_addr}). Because the call eventfd may have been signalled before the poller
 * first looks, handlers always read the used index rather than count wake-ups.
 *
 * <p>A backend that closes the socket (it exited) is noticed by the poller at once
 * ({@code POLLRDHUP}); the transport then reports the failure to its driver, which fails its
 * waiters with EIO.
 */
public final class VhostUserTransport implements Transport {
    /** Guest-physical base of the shared region: where RAM starts on an ARM virt machine. */
    public static final long MEMORY_BASE = 0x4000_0000L;
    /** The queue size offered to drivers (vhost-user has no way to ask; backends take up to 1024). */
    static final int QUEUE_MAX = 256;
    private static final int REPLY_TIMEOUT_MS = 10_000;
    /** poll(2): the descriptor is not open (the connection was torn down under the waiter). */
    private static final short POLLNVAL = 0x20;
    private static final long WANTED_PROTOCOL = Virtio.bit(PF_REPLY_ACK) | Virtio.bit(PF_CONFIG) | Virtio.bit(PF_MQ);

    private final String path;
    private final int deviceId;
    private final UnixSocket socket;
    private final SharedMemory shm;
    private final DmaPool dma;
    private final BiFunction<String, Runnable, Thread> threads;
    private final long backendFeatures;
    private final long protocolFeatures;
    private final int queueCount;
    private final List<Ring> rings = new ArrayList<>();
    private final List<Consumer<String>> failureHandlers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Object io = new Object();
    private int status;
    private EventFd stop;
    private Thread poller;
    private volatile boolean closed;
    private volatile String failure;

    /** A started queue; {@code waitFds} (call, socket, stop) when its driver waits itself, else {@code onUsed}. */
    private record Ring(SplitQueue queue, EventFd kick, EventFd call, Runnable onUsed, Memory waitFds) {
    }

    private VhostUserTransport(String path, int deviceId, UnixSocket socket, SharedMemory shm, BiFunction<String, Runnable, Thread> threads)
            throws ErrnoException {
        this.path = path;
        this.deviceId = deviceId;
        this.socket = socket;
        this.shm = shm;
        this.dma = new DmaPool(shm.memory);
        this.threads = threads;
        this.backendFeatures = getU64(GET_FEATURES);
        long proto = 0;
        if (Virtio.has(backendFeatures, F_PROTOCOL_FEATURES)) {
            proto = getU64(GET_PROTOCOL_FEATURES) & WANTED_PROTOCOL;
            setU64(SET_PROTOCOL_FEATURES, proto, false);
        }
        this.protocolFeatures = proto;
        this.queueCount = Virtio.has(proto, PF_MQ) ? (int) getU64(GET_QUEUE_NUM) : Integer.MAX_VALUE;
        send(request(SET_OWNER, 0, false), false);
    }

    /**
     * Connects to the backend listening on {@code socketPath} and shares {@code memoryBytes} of
     * memory with it.
     *
     * @param deviceId what the backend is (vhost-user does not say): {@link Virtio#ID_BLOCK} or {@link Virtio#ID_NET}
     * @param threads makes the thread that waits for the backend's calls (a kernel thread)
     */
    public static VhostUserTransport connect(String socketPath, int deviceId, int memoryBytes,
            BiFunction<String, Runnable, Thread> threads) throws ErrnoException {
        UnixSocket s = UnixSocket.connect(socketPath);
        SharedMemory shm;
        try {
            shm = SharedMemory.create("jrump-vhost", MEMORY_BASE, memoryBytes);
        } catch (ErrnoException e) {
            s.close();
            throw e;
        }
        try {
            return new VhostUserTransport(socketPath, deviceId, s, shm, threads);
        } catch (ErrnoException e) {
            s.close();
            shm.close();
            throw e.path() == null ? new ErrnoException(e.errno(), "vhost-user", socketPath, e.detail()) : e;
        }
    }

    /** Whether the native calls vhost-user needs are available here, and why not. */
    public static Throwable unavailabilityCause() {
        return Libc.unavailabilityCause();
    }

    private boolean replyAck() {
        return Virtio.has(protocolFeatures, PF_REPLY_ACK);
    }

    /** The negotiated protocol feature bits. */
    public long protocolFeatures() {
        return protocolFeatures;
    }

    // ---- messages

    private void send(ByteBuffer msg, boolean ack, int... fds) throws ErrnoException {
        int req = msg.getInt(0);
        synchronized (io) {
            checkUsable();
            try {
                socket.send(msg.array(), fds);
                if (ack) {
                    ByteBuffer r = reply(req);
                    long v = r.remaining() >= 8 ? r.getLong(0) : -1;
                    if (v != 0) {
                        throw new ErrnoException(Errno.EIO, name(req), path, "the backend refused it (" + v + ")");
                    }
                }
            } catch (ErrnoException e) {
                throw fail(e);
            }
        }
    }

    /** Sends a request that has a reply (GET_*), returns the reply's payload. */
    private ByteBuffer call(ByteBuffer msg) throws ErrnoException {
        synchronized (io) {
            checkUsable();
            try {
                socket.send(msg.array());
                return reply(msg.getInt(0));
            } catch (ErrnoException e) {
                throw fail(e);
            }
        }
    }

    private ByteBuffer reply(int req) throws ErrnoException {
        ByteBuffer h = ByteBuffer.wrap(socket.receive(HEADER_SIZE, REPLY_TIMEOUT_MS)).order(ByteOrder.LITTLE_ENDIAN);
        int rreq = h.getInt(0);
        int flags = h.getInt(4);
        int size = h.getInt(8);
        if (rreq != req || (flags & FLAG_REPLY) == 0 || size < 0 || size > MAX_PAYLOAD) {
            throw new ErrnoException(Errno.EIO, name(req), path, "bad reply: request " + rreq + ", flags 0x" + Integer.toHexString(flags)
                    + ", size " + size);
        }
        return ByteBuffer.wrap(socket.receive(size, REPLY_TIMEOUT_MS)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private long getU64(int req) throws ErrnoException {
        ByteBuffer r = call(request(req, 0, false));
        if (r.remaining() < 8) {
            throw fail(new ErrnoException(Errno.EIO, name(req), path, "reply of " + r.remaining() + " bytes, expected 8"));
        }
        return r.getLong(0);
    }

    private void setU64(int req, long v, boolean ack) throws ErrnoException {
        ByteBuffer m = request(req, 8, ack);
        m.putLong(HEADER_SIZE, v);
        send(m, ack);
    }

    private void setState(int req, int index, int num) throws ErrnoException {
        ByteBuffer m = request(req, 8, replyAck());
        m.putInt(HEADER_SIZE, index);
        m.putInt(HEADER_SIZE + 4, num);
        send(m, replyAck());
    }

    private void checkUsable() throws ErrnoException {
        if (closed) {
            throw new ErrnoException(Errno.EIO, "vhost-user", path, "transport closed");
        }
        String f = failure;
        if (f != null) {
            throw new ErrnoException(Errno.EIO, "vhost-user", path, f);
        }
    }

    /** A lost connection or a broken reply: the device is gone for good. */
    private ErrnoException fail(ErrnoException e) {
        String why = e.getMessage();
        if (failure == null) {
            failure = why;
            for (Consumer<String> h : failureHandlers) {
                h.accept(why);
            }
        }
        return e.errno() == Errno.EIO ? e : new ErrnoException(Errno.EIO, why);
    }

    // ---- Transport

    @Override
    public String describe() {
        return "vhost-user " + path;
    }

    @Override
    public int deviceId() {
        return deviceId;
    }

    /** Nothing to do: a fresh connection is a reset device, and this transport is used once. */
    @Override
    public void reset() {
        status = 0;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public void addStatus(int bits) throws ErrnoException {
        int added = bits & ~status;
        status |= bits;
        if ((added & Virtio.STATUS_DRIVER_OK) != 0) {
            start();
        }
    }

    @Override
    public long deviceFeatures() {
        return backendFeatures & ~Virtio.bit(F_PROTOCOL_FEATURES);
    }

    @Override
    public void driverFeatures(long features) throws ErrnoException {
        long f = features | (backendFeatures & Virtio.bit(F_PROTOCOL_FEATURES));
        setU64(SET_FEATURES, f, replyAck());
        sendMemTable();
    }

    private void sendMemTable() throws ErrnoException {
        ByteBuffer m = request(SET_MEM_TABLE, 8 + REGION_SIZE, replyAck());
        m.putInt(HEADER_SIZE, 1);
        m.putInt(HEADER_SIZE + 4, 0);
        m.putLong(HEADER_SIZE + 8, shm.memory.base());
        m.putLong(HEADER_SIZE + 16, shm.size);
        m.putLong(HEADER_SIZE + 24, shm.address);
        m.putLong(HEADER_SIZE + 32, 0);
        send(m, replyAck(), shm.fd);
    }

    @Override
    public int maxQueueSize(int index) {
        return index < queueCount ? QUEUE_MAX : 0;
    }

    @Override
    public DmaPool dma() {
        return dma;
    }

    @Override
    public SplitQueue startQueue(int index, int size, long features, int indirectMax, Runnable onUsed) throws ErrnoException {
        if (index >= queueCount || size > QUEUE_MAX) {
            throw new ErrnoException(Errno.EINVAL, describe() + ": queue " + index + " of " + size + " entries");
        }
        SplitQueue q = SplitQueue.allocate(index, dma, size, Virtio.has(features, Virtio.F_EVENT_IDX),
                Virtio.has(features, Virtio.F_INDIRECT_DESC) ? indirectMax : 0);
        EventFd kick = EventFd.create("kick " + index);
        EventFd call = EventFd.create("call " + index);
        rings.add(new Ring(q, kick, call, onUsed, onUsed == null ? new Memory(3L * Libc.POLLFD_SIZE) : null));
        RingLayout l = q.layout();
        setState(SET_VRING_NUM, index, size);
        setState(SET_VRING_BASE, index, 0);
        ByteBuffer a = request(SET_VRING_ADDR, VRING_ADDR_SIZE, replyAck());
        a.putInt(HEADER_SIZE, index);
        a.putInt(HEADER_SIZE + 4, 0);
        a.putLong(HEADER_SIZE + 8, shm.userAddress(l.desc()));
        a.putLong(HEADER_SIZE + 16, shm.userAddress(l.used()));
        a.putLong(HEADER_SIZE + 24, shm.userAddress(l.avail()));
        a.putLong(HEADER_SIZE + 32, 0);
        send(a, replyAck());
        ByteBuffer k = request(SET_VRING_KICK, 8, replyAck());
        k.putLong(HEADER_SIZE, index);
        send(k, replyAck(), kick.fd);
        ByteBuffer c = request(SET_VRING_CALL, 8, replyAck());
        c.putLong(HEADER_SIZE, index);
        send(c, replyAck(), call.fd);
        return q;
    }

    /** DRIVER_OK: enable the rings and start waiting for calls. */
    private void start() throws ErrnoException {
        if (Virtio.has(backendFeatures, F_PROTOCOL_FEATURES)) {
            for (Ring r : rings) {
                setState(SET_VRING_ENABLE, r.queue.index(), 1);
            }
        }
        stop = EventFd.create("stop");
        if (rings.stream().anyMatch(r -> r.onUsed != null)) {
            poller = threads.apply("vhost-user " + path, this::pollCalls);
            poller.setDaemon(true);
            poller.start();
        }
    }

    /**
     * The poller: waits on the call eventfd of every queue with a handler, the stop eventfd and
     * the socket's hang-up. Queues whose driver waits itself are left out.
     */
    private void pollCalls() {
        List<Ring> handled = rings.stream().filter(r -> r.onUsed != null).toList();
        int n = handled.size() + 2;
        Memory fds = new Memory((long) Libc.POLLFD_SIZE * n);
        while (!closed) {
            fds.setInt(0, stop.fd);
            fds.setShort(4, Libc.POLLIN);
            fds.setShort(6, (short) 0);
            fds.setInt(8, socket.fd);
            fds.setShort(12, Libc.POLLRDHUP);
            fds.setShort(14, (short) 0);
            for (int i = 0; i < handled.size(); i++) {
                long at = (long) Libc.POLLFD_SIZE * (i + 2);
                fds.setInt(at, handled.get(i).call.fd);
                fds.setShort(at + 4, Libc.POLLIN);
                fds.setShort(at + 6, (short) 0);
            }
            try {
                Libc.poll(Pointer.nativeValue(fds), n, -1);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == 4) { // EINTR
                    continue;
                }
                fail(new ErrnoException(Errno.EIO, "poll", path, "host errno " + e.getErrorCode()));
                return;
            }
            if (closed || fds.getShort(6) != 0) {
                return;
            }
            if ((fds.getShort(14) & (Libc.POLLRDHUP | Libc.POLLHUP | Libc.POLLERR)) != 0) {
                fail(new ErrnoException(Errno.EIO, "vhost-user", path, "the backend closed the connection"));
                return;
            }
            for (int i = 0; i < handled.size(); i++) {
                if (fds.getShort((long) Libc.POLLFD_SIZE * (i + 2) + 6) != 0) {
                    Ring r = handled.get(i);
                    r.call.consume();
                    r.onUsed.run();
                }
            }
        }
    }

    @Override
    public void notify(SplitQueue queue) throws ErrnoException {
        checkUsable();
        ring(queue).kick.signal();
    }

    private Ring ring(SplitQueue queue) {
        for (Ring r : rings) {
            if (r.queue == queue) {
                return r;
            }
        }
        throw new IllegalArgumentException("not a queue of " + describe());
    }

    @Override
    public boolean callerWaits() {
        return true;
    }

    /**
     * Polls the queue's call eventfd together with the socket's hang-up and the stop eventfd,
     * so a backend that exits or a disconnect ends the wait at once.
     */
    @Override
    public boolean awaitInterrupt(SplitQueue queue, long timeoutNanos) throws ErrnoException {
        Ring r = ring(queue);
        if (r.waitFds == null) {
            throw new IllegalStateException("queue " + queue.index() + " has a handler; its interrupts go there");
        }
        checkUsable();
        Memory fds = r.waitFds;
        int[] watched = {r.call.fd, socket.fd, stop == null ? -1 : stop.fd}; // poll(2) skips a negative fd
        short[] events = {Libc.POLLIN, Libc.POLLRDHUP, Libc.POLLIN};
        for (int i = 0; i < 3; i++) {
            long at = (long) Libc.POLLFD_SIZE * i;
            fds.setInt(at, watched[i]);
            fds.setShort(at + 4, events[i]);
            fds.setShort(at + 6, (short) 0);
        }
        int ms = (int) Math.min(Integer.MAX_VALUE, Math.max(0, (timeoutNanos + 999_999) / 1_000_000));
        int ready;
        try {
            ready = Libc.poll(Pointer.nativeValue(fds), 3, ms);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == 4) { // EINTR: the caller looks at the ring and comes back
                return true;
            }
            throw fail(new ErrnoException(Errno.EIO, "poll", path, "host errno " + e.getErrorCode()));
        }
        if (ready == 0) {
            return false;
        }
        if (fds.getShort((long) Libc.POLLFD_SIZE * 2 + 6) != 0) {
            checkUsable(); // stopped: closed or failed
        }
        if ((fds.getShort((long) Libc.POLLFD_SIZE + 6) & (Libc.POLLRDHUP | Libc.POLLHUP | Libc.POLLERR | POLLNVAL)) != 0) {
            throw fail(new ErrnoException(Errno.EIO, "vhost-user", path, "the backend closed the connection"));
        }
        if (fds.getShort(6) != 0) {
            r.call.consume();
        }
        return true;
    }

    @Override
    public void readConfig(int offset, byte[] dst) throws ErrnoException {
        if (!Virtio.has(protocolFeatures, PF_CONFIG)) {
            if (deviceId == Virtio.ID_NET) {
                java.util.Arrays.fill(dst, (byte) 0); // the network config is the frontend's to choose (MAC, link up)
                return;
            }
            throw new ErrnoException(Errno.EOPNOTSUPP, "GET_CONFIG", path, "the backend lacks the CONFIG protocol feature, "
                    + "so the device's configuration (a disk's capacity) cannot be read");
        }
        int size = offset + dst.length;
        ByteBuffer m = request(GET_CONFIG, CONFIG_HEADER + size, false);
        m.putInt(HEADER_SIZE, 0);
        m.putInt(HEADER_SIZE + 4, size);
        m.putInt(HEADER_SIZE + 8, 0);
        ByteBuffer r = call(m);
        if (r.remaining() < CONFIG_HEADER + size || r.getInt(4) != size) {
            throw fail(new ErrnoException(Errno.EIO, "GET_CONFIG", path, "the backend answered " + r.remaining() + " bytes for "
                    + size));
        }
        r.get(CONFIG_HEADER + offset, dst);
    }

    /** Runs {@code handler} once, on the thread that notices, when the backend is lost. */
    @Override
    public void onFailure(Consumer<String> handler) {
        failureHandlers.add(handler);
        String f = failure;
        if (f != null) {
            handler.accept(f);
        }
    }

    /**
     * The orderly stop: each ring is stopped with GET_VRING_BASE (so the backend lets go of it)
     * unless the device already failed, then everything is released, the shared memory too.
     */
    @Override
    public void close() {
        synchronized (io) {
            if (!closed && failure == null) {
                for (Ring r : rings) {
                    try {
                        ByteBuffer m = request(GET_VRING_BASE, 8, false);
                        m.putInt(HEADER_SIZE, r.queue.index());
                        socket.send(m.array());
                        reply(GET_VRING_BASE);
                    } catch (ErrnoException e) {
                        break; // the backend is gone anyway
                    }
                }
            }
        }
        teardown();
        shm.close();
    }

    /**
     * The device is broken or gone: closes the connection (the backend then drops the rings)
     * without waiting for it, and the eventfds; the memory stays mapped for whoever still
     * copies from it. Idempotent.
     */
    @Override
    public void disconnect() {
        if (failure == null) {
            failure = "disconnected by the driver";
        }
        teardown();
    }

    private void teardown() {
        synchronized (io) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (stop != null) {
            try {
                stop.signal();
            } catch (ErrnoException ignored) {
                // the poller also ends on the closed socket
            }
        }
        socket.close();
        if (poller != null && poller != Thread.currentThread()) {
            try {
                poller.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Ring r : rings) {
            r.kick.close();
            r.call.close();
        }
        if (stop != null) {
            stop.close();
        }
    }

    @Override
    public String toString() {
        return "VhostUserTransport[" + path + "]";
    }
}
