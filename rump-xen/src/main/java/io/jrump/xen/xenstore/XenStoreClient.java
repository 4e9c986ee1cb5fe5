package io.jrump.xen.xenstore;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A xenstore client speaking the whole protocol of {@code xen/include/public/io/xs_wire.h}
 * over any {@link XsTransport}: READ, WRITE, DIRECTORY, MKDIR, RM, GET_PERMS, SET_PERMS,
 * WATCH, UNWATCH, TRANSACTION_START/END and GET_DOMAIN_PATH.
 *
 * <p>Many threads may call at once: each request gets its own {@code req_id}, and one reader
 * thread takes every message off the transport and hands it to the caller waiting for that
 * id. Watch events ({@code XS_WATCH_EVENT}) may arrive at any time, even between a request
 * and its reply, so they are told apart by type, never by order, and handed to a second
 * thread that runs the watchers (a watcher may itself call the client). A reply carrying an
 * id nobody asked for is dropped and counted; a daemon that stops answering makes the caller
 * fail with ETIMEDOUT after the client's timeout, and a broken connection fails every
 * waiting caller with EIO.
 *
 * <p>Payload formats: strings are NUL-terminated except a WRITE's value ({@code path\0value},
 * no NUL after the value) and a READ reply (the bytes of the value); a TRANSACTION_END says
 * {@code "T"} to commit and {@code "F"} to abort; an error reply carries the errno's name.
 */
public final class XenStoreClient implements AutoCloseable {
    /** How many times {@link #transaction} retries a body whose commit met EAGAIN. */
    static final int MAX_TRANSACTION_ATTEMPTS = 64;
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** The body of a transaction, run again when the commit conflicts. */
    @FunctionalInterface
    public interface TransactionBody<T> {
        T run(XsTransaction tx) throws ErrnoException;
    }

    private final XsTransport transport;
    private final long timeoutNanos;
    private final Map<Integer, CompletableFuture<XsMessage>> pending = new ConcurrentHashMap<>();
    private final Map<String, XsWatcher> watchers = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<List<String>> events = new LinkedBlockingQueue<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final AtomicInteger strayReplies = new AtomicInteger();
    private final Object sendLock = new Object();
    private final Thread reader;
    private final Thread watchThread;
    private volatile ErrnoException broken;

    private XenStoreClient(XsTransport transport, ThreadFactory threads, Duration timeout) {
        this.transport = transport;
        this.timeoutNanos = timeout.toNanos();
        this.reader = threads.newThread(this::readLoop);
        this.watchThread = threads.newThread(this::watchLoop);
    }

    /** A client on {@code transport} whose threads are daemon threads, with a 30 s reply timeout. */
    public static XenStoreClient open(XsTransport transport) {
        return open(transport, r -> {
            Thread t = new Thread(r, "xenstore");
            t.setDaemon(true);
            return t;
        }, DEFAULT_TIMEOUT);
    }

    /** A client making its reader and watch threads with {@code threads}; a reply later than {@code timeout} is ETIMEDOUT. */
    public static XenStoreClient open(XsTransport transport, ThreadFactory threads, Duration timeout) {
        XenStoreClient c = new XenStoreClient(transport, threads, timeout);
        c.reader.start();
        c.watchThread.start();
        return c;
    }

    public String read(String path) throws ErrnoException {
        return read(0, path);
    }

    /** The value at {@code path}, or {@code dflt} when the node does not exist (an optional key of a protocol). */
    public String read(String path, String dflt) throws ErrnoException {
        try {
            return read(path);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return dflt;
            }
            throw e;
        }
    }

    /** The value's bytes, which may be any bytes (xenstore values are not necessarily text). */
    public byte[] readBytes(String path) throws ErrnoException {
        XsMessage r = call(XsType.READ, 0, path, cString(path));
        byte[] b = new byte[(int) r.length()];
        r.payload().get(b);
        return b;
    }

    public void write(String path, String value) throws ErrnoException {
        write(0, path, utf8(value));
    }

    public void write(String path, byte[] value) throws ErrnoException {
        write(0, path, value);
    }

    /** The names of the children of {@code path}. */
    public List<String> directory(String path) throws ErrnoException {
        return directory(0, path);
    }

    public void mkdir(String path) throws ErrnoException {
        mkdir(0, path);
    }

    /** Removes {@code path} and everything below it. */
    public void rm(String path) throws ErrnoException {
        rm(0, path);
    }

    /** The permissions as the daemon writes them: owner first ({@code "n0"}), then one per domain ({@code "r5"}). */
    public List<String> getPerms(String path) throws ErrnoException {
        return call(XsType.GET_PERMS, 0, path, cString(path)).payloadStrings();
    }

    /** Sets the permissions, in the form {@link #getPerms} returns. */
    public void setPerms(String path, List<String> perms) throws ErrnoException {
        List<String> all = new ArrayList<>();
        all.add(path);
        all.addAll(perms);
        call(XsType.SET_PERMS, 0, path, cStrings(all));
    }

    /**
     * Watches {@code path} and everything below it. The daemon fires once at once, then on
     * every change; {@code token} tells this watch's events apart and must be unique per client.
     */
    public void watch(String path, String token, XsWatcher watcher) throws ErrnoException {
        if (watchers.putIfAbsent(token, watcher) != null) {
            throw new ErrnoException(Errno.EEXIST, "xenstore watch", path, "token " + token + " is already in use");
        }
        try {
            call(XsType.WATCH, 0, path, cStrings(List.of(path, token)));
        } catch (ErrnoException e) {
            watchers.remove(token);
            throw e;
        }
    }

    public void unwatch(String path, String token) throws ErrnoException {
        try {
            call(XsType.UNWATCH, 0, path, cStrings(List.of(path, token)));
        } finally {
            watchers.remove(token);
        }
    }

    /** Where domain {@code domid}'s nodes live ({@code /local/domain/<domid>}). */
    public String getDomainPath(int domid) throws ErrnoException {
        String d = Integer.toString(domid);
        return call(XsType.GET_DOMAIN_PATH, 0, d, cString(d)).payloadString();
    }

    /** Starts a transaction; end it with {@link XsTransaction#commit} or {@link XsTransaction#abort}. */
    public XsTransaction startTransaction() throws ErrnoException {
        String id = call(XsType.TRANSACTION_START, 0, null, new byte[] {0}).payloadString();
        try {
            return new XsTransaction(this, Integer.parseUnsignedInt(id));
        } catch (NumberFormatException e) {
            throw new ErrnoException(Errno.EIO, "xenstore transaction start: the daemon answered a non-number '" + id + "'");
        }
    }

    /**
     * Runs {@code body} in a transaction and commits it, starting over while the commit meets
     * EAGAIN (another writer changed what the body read), up to {@link #MAX_TRANSACTION_ATTEMPTS}
     * times. An exception from the body aborts the transaction.
     */
    public <T> T transaction(TransactionBody<T> body) throws ErrnoException {
        for (int attempt = 1;; attempt++) {
            XsTransaction tx = startTransaction();
            T result;
            try {
                result = body.run(tx);
            } catch (ErrnoException | RuntimeException e) {
                try {
                    tx.abort();
                } catch (ErrnoException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            try {
                tx.commit();
                return result;
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EAGAIN || attempt >= MAX_TRANSACTION_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Replies that carried a request id nobody was waiting for (a buggy or hostile daemon). */
    public int strayReplies() {
        return strayReplies.get();
    }

    String read(int tx, String path) throws ErrnoException {
        return call(XsType.READ, tx, path, cString(path)).payloadString();
    }

    void write(int tx, String path, byte[] value) throws ErrnoException {
        byte[] p = utf8(path);
        byte[] payload = new byte[p.length + 1 + value.length];
        System.arraycopy(p, 0, payload, 0, p.length);
        System.arraycopy(value, 0, payload, p.length + 1, value.length);
        call(XsType.WRITE, tx, path, payload);
    }

    List<String> directory(int tx, String path) throws ErrnoException {
        return call(XsType.DIRECTORY, tx, path, cString(path)).payloadStrings();
    }

    void mkdir(int tx, String path) throws ErrnoException {
        call(XsType.MKDIR, tx, path, cString(path));
    }

    void rm(int tx, String path) throws ErrnoException {
        call(XsType.RM, tx, path, cString(path));
    }

    void endTransaction(int tx, boolean commit) throws ErrnoException {
        call(XsType.TRANSACTION_END, tx, null, cString(commit ? "T" : "F"));
    }

    /** Sends one request and waits for its reply; an error reply becomes its errno. */
    private XsMessage call(XsType type, int tx, String path, byte[] payload) throws ErrnoException {
        String callName = "xenstore " + type.name().toLowerCase(java.util.Locale.ROOT);
        ErrnoException b = broken;
        if (b != null) {
            throw new ErrnoException(Errno.EIO, callName, path, "connection lost: " + b.getMessage());
        }
        int id = nextId.getAndIncrement();
        CompletableFuture<XsMessage> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            synchronized (sendLock) {
                transport.send(XsMessage.build(type, id, tx, payload));
            }
            XsMessage r;
            try {
                r = reply.get(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new ErrnoException(Errno.ETIMEDOUT, callName, path, "no reply in " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, callName, path, "interrupted waiting for the reply");
            } catch (ExecutionException e) {
                throw new ErrnoException(Errno.EIO, callName, path, "connection lost: " + e.getCause().getMessage());
            }
            if (r.type() == XsType.ERROR) {
                String name = r.payloadString();
                return throwError(callName, path, name);
            }
            if (r.type() != type) {
                throw new ErrnoException(Errno.EIO, callName, path, "the daemon answered with " + r);
            }
            return r;
        } catch (ErrnoException e) {
            throw e.withContext(callName, path);
        } finally {
            pending.remove(id);
        }
    }

    private static XsMessage throwError(String call, String path, String name) throws ErrnoException {
        Errno e = XsErrors.of(name);
        throw new ErrnoException(e, call, path, e.name().equals(name) ? null : "the daemon said '" + name + "'");
    }

    private void readLoop() {
        try {
            while (true) {
                XsMessage m = transport.receive();
                if (m.type() == XsType.WATCH_EVENT) {
                    events.add(m.payloadStrings());
                    continue;
                }
                CompletableFuture<XsMessage> f = pending.remove(m.reqId());
                if (f == null) {
                    strayReplies.incrementAndGet();
                } else {
                    f.complete(m);
                }
            }
        } catch (ErrnoException e) {
            broken = e;
        } catch (RuntimeException e) {
            broken = new ErrnoException(Errno.EIO, "xenstore: " + e);
        }
        for (CompletableFuture<XsMessage> f : pending.values()) {
            f.completeExceptionally(broken);
        }
        events.add(List.of());
    }

    private void watchLoop() {
        while (true) {
            List<String> ev;
            try {
                ev = events.take();
            } catch (InterruptedException e) {
                return;
            }
            if (ev.isEmpty()) {
                return; // the reader ended
            }
            if (ev.size() < 2) {
                continue; // a malformed event names no token: nobody to tell
            }
            XsWatcher w = watchers.get(ev.get(1));
            if (w != null) {
                try {
                    w.fired(ev.get(0), ev.get(1));
                } catch (RuntimeException e) {
                    System.getLogger("jrump.xen").log(System.Logger.Level.WARNING, "xenstore watcher for " + ev.get(0) + " failed", e);
                }
            }
        }
    }

    /** Closes the transport; the reader and watch threads end, waiting callers get EIO. */
    @Override
    public void close() {
        transport.close();
        reader.interrupt();
        watchThread.interrupt();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] cString(String s) {
        return cStrings(List.of(s));
    }

    private static byte[] cStrings(List<String> strings) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : strings) {
            out.writeBytes(utf8(s));
            out.write(0);
        }
        return out.toByteArray();
    }
}
