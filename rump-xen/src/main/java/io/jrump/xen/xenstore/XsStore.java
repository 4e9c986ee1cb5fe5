package io.jrump.xen.xenstore;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Pattern;

/**
 * An in-memory xenstore daemon for the emulated platform: it answers the same wire messages
 * as xenstored ({@link XsMessage}), so a {@link XenStoreClient} on an emulated domain runs
 * exactly the code it runs against the real daemon. Each {@link #connect} is a connection of
 * one domain; requests are answered synchronously on the sender's thread.
 *
 * <p>What it keeps of xenstored: nodes with values and permission strings, parents created by
 * WRITE and MKDIR, relative paths under {@code /local/domain/<domid>}, watches on a node and
 * its descendants that fire once when set and on every change, and transactions that see a
 * private copy of the store and fail with EAGAIN at commit when anything was committed since
 * they began (coarser than xenstored's per-node check, still the same contract). Permissions
 * are stored and returned but not enforced: every emulated domain is trusted.
 */
public final class XsStore {
    /** {@code XENSTORE_ABS_PATH_MAX}. */
    static final int ABS_PATH_MAX = 3072;
    /** Put in a closed connection's queue to end a blocked receive. */
    private static final XsMessage CLOSED = XsMessage.wrap(ByteBuffer.allocate(XsMessage.HEADER_SIZE));
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9\\-/_@]+");

    private record Node(byte[] value, List<String> perms) {
    }

    private record Watch(Connection owner, String path, String token) {
    }

    private final class Tx {
        final TreeMap<String, Node> nodes;
        final long generation;
        final Set<String> changed = new LinkedHashSet<>();

        Tx(TreeMap<String, Node> nodes, long generation) {
            this.nodes = nodes;
            this.generation = generation;
        }
    }

    private TreeMap<String, Node> nodes = new TreeMap<>();
    private long generation;
    private int nextTx = 1;
    private final Map<Integer, Tx> transactions = new HashMap<>();
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    public XsStore() {
        nodes.put("/", new Node(new byte[0], List.of("n0")));
    }

    /** A connection of domain {@code domid}, as a transport a {@link XenStoreClient} can use. */
    public XsTransport connect(int domid) {
        return new Connection(domid);
    }

    private final class Connection implements XsTransport {
        private final int domid;
        private final LinkedBlockingQueue<XsMessage> out = new LinkedBlockingQueue<>();
        private volatile boolean closed;

        Connection(int domid) {
            this.domid = domid;
        }

        @Override
        public void send(XsMessage m) throws ErrnoException {
            if (closed) {
                throw new ErrnoException(Errno.EIO, "xenstore: connection closed");
            }
            m.check();
            handle(this, m);
        }

        @Override
        public XsMessage receive() throws ErrnoException {
            try {
                XsMessage m = out.take();
                if (m == CLOSED) {
                    throw new ErrnoException(Errno.EIO, "xenstore: connection closed");
                }
                return m;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, "xenstore: interrupted");
            }
        }

        void deliver(XsMessage m) {
            if (!closed) {
                out.add(m);
            }
        }

        @Override
        public void close() {
            closed = true;
            watches.removeIf(w -> w.owner == this);
            out.add(CLOSED);
        }
    }

    private void handle(Connection c, XsMessage m) throws ErrnoException {
        XsType type = m.type();
        XsMessage reply;
        List<Runnable> after = new ArrayList<>();
        synchronized (this) {
            try {
                if (type == null) {
                    throw new ErrnoException(Errno.ENOSYS);
                }
                byte[] payload = answer(c, type, m, after);
                reply = XsMessage.build(type, m.reqId(), m.txId(), payload);
            } catch (ErrnoException e) {
                reply = XsMessage.build(XsType.ERROR, m.reqId(), m.txId(), (e.errno().name() + "\0").getBytes(StandardCharsets.US_ASCII));
            }
        }
        c.deliver(reply);
        for (Runnable r : after) {
            r.run();
        }
    }

    private byte[] answer(Connection c, XsType type, XsMessage m, List<Runnable> after) throws ErrnoException {
        List<String> args = m.payloadStrings();
        Tx tx = null;
        if (m.txId() != 0) {
            tx = transactions.get(m.txId());
            if (tx == null) {
                throw new ErrnoException(Errno.ENOENT, "no transaction " + m.txId());
            }
        }
        TreeMap<String, Node> view = tx == null ? nodes : tx.nodes;
        switch (type) {
            case READ: {
                Node n = view.get(path(c, arg(args, 0)));
                if (n == null) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                return n.value;
            }
            case WRITE: {
                ByteBuffer p = m.payload();
                int nul = -1;
                for (int i = 0; i < p.remaining(); i++) {
                    if (p.get(i) == 0) {
                        nul = i;
                        break;
                    }
                }
                if (nul < 0) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                byte[] name = new byte[nul];
                p.get(0, name);
                byte[] value = new byte[p.remaining() - nul - 1];
                p.get(nul + 1, value);
                String path = path(c, new String(name, StandardCharsets.UTF_8));
                create(view, path, c.domid);
                Node old = view.get(path);
                view.put(path, new Node(value, old.perms));
                changed(tx, path, after);
                return ok();
            }
            case MKDIR: {
                String path = path(c, arg(args, 0));
                if (!view.containsKey(path)) {
                    create(view, path, c.domid);
                    changed(tx, path, after);
                }
                return ok();
            }
            case RM: {
                String path = path(c, arg(args, 0));
                if (!view.containsKey(path)) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                if (path.equals("/")) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                view.subMap(path + "/", path + "0").clear();
                view.remove(path);
                changed(tx, path, after);
                return ok();
            }
            case DIRECTORY: {
                String path = path(c, arg(args, 0));
                if (!view.containsKey(path)) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                String prefix = path.equals("/") ? "/" : path + "/";
                StringBuilder sb = new StringBuilder();
                for (String k : view.subMap(prefix, true, prefix.substring(0, prefix.length() - 1) + "0", false).keySet()) {
                    String rest = k.substring(prefix.length());
                    if (!rest.isEmpty() && rest.indexOf('/') < 0) {
                        sb.append(rest).append('\0');
                    }
                }
                return sb.toString().getBytes(StandardCharsets.UTF_8);
            }
            case GET_PERMS: {
                Node n = view.get(path(c, arg(args, 0)));
                if (n == null) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                return strings(n.perms);
            }
            case SET_PERMS: {
                String path = path(c, arg(args, 0));
                Node n = view.get(path);
                if (n == null) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                List<String> perms = args.subList(1, args.size());
                if (perms.isEmpty() || !perms.stream().allMatch(s -> s.matches("[nrwb][0-9]+"))) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                view.put(path, new Node(n.value, List.copyOf(perms)));
                changed(tx, path, after);
                return ok();
            }
            case WATCH: {
                String path = path(c, arg(args, 0));
                String token = arg(args, 1);
                Watch w = new Watch(c, path, token);
                if (watches.contains(w)) {
                    throw new ErrnoException(Errno.EEXIST);
                }
                watches.add(w);
                after.add(() -> fire(w, path));
                return ok();
            }
            case UNWATCH: {
                if (!watches.remove(new Watch(c, path(c, arg(args, 0)), arg(args, 1)))) {
                    throw new ErrnoException(Errno.ENOENT);
                }
                return ok();
            }
            case TRANSACTION_START: {
                int id = nextTx++;
                transactions.put(id, new Tx(new TreeMap<>(nodes), generation));
                return (id + "\0").getBytes(StandardCharsets.US_ASCII);
            }
            case TRANSACTION_END: {
                if (tx == null) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                transactions.remove(m.txId());
                String how = arg(args, 0);
                if (how.equals("T")) {
                    if (tx.generation != generation) {
                        throw new ErrnoException(Errno.EAGAIN);
                    }
                    nodes = tx.nodes;
                    for (String p : tx.changed) {
                        changed(null, p, after);
                    }
                } else if (!how.equals("F")) {
                    throw new ErrnoException(Errno.EINVAL);
                }
                return ok();
            }
            case GET_DOMAIN_PATH:
                return ("/local/domain/" + Integer.parseInt(checkNumber(arg(args, 0))) + "\0").getBytes(StandardCharsets.US_ASCII);
            default:
                throw new ErrnoException(Errno.ENOSYS);
        }
    }

    private static String checkNumber(String s) throws ErrnoException {
        if (!s.matches("[0-9]{1,5}")) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return s;
    }

    private void changed(Tx tx, String path, List<Runnable> after) {
        if (tx != null) {
            tx.changed.add(path);
            return;
        }
        generation++;
        for (Watch w : watches) {
            if (covers(w.path, path)) {
                after.add(() -> fire(w, path));
            } else if (covers(path, w.path)) {
                after.add(() -> fire(w, w.path)); // an ancestor was removed or replaced
            }
        }
    }

    private static boolean covers(String ancestor, String path) {
        return path.equals(ancestor) || ancestor.equals("/") || path.startsWith(ancestor + "/");
    }

    private void fire(Watch w, String path) {
        try {
            w.owner.deliver(XsMessage.build(XsType.WATCH_EVENT, 0, 0, strings(List.of(path, w.token))));
        } catch (ErrnoException e) {
            // a path and a token that fit a request fit an event
        }
    }

    /** Creates {@code path} and its missing parents, each empty and owned by {@code domid}. */
    private static void create(TreeMap<String, Node> view, String path, int domid) {
        List<String> missing = new ArrayList<>();
        for (String p = path; !view.containsKey(p); p = parent(p)) {
            missing.add(p);
        }
        for (String p : missing) {
            view.put(p, new Node(new byte[0], List.of("n" + domid)));
        }
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }

    private static String path(Connection c, String p) throws ErrnoException {
        String abs = p.startsWith("/") ? p : "/local/domain/" + c.domid + "/" + p;
        if (abs.length() > ABS_PATH_MAX || !VALID.matcher(abs).matches() || abs.contains("//") || (abs.length() > 1 && abs.endsWith("/"))) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return abs;
    }

    private static String arg(List<String> args, int i) throws ErrnoException {
        if (i >= args.size()) {
            throw new ErrnoException(Errno.EINVAL);
        }
        return args.get(i);
    }

    private static byte[] ok() {
        return "OK\0".getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] strings(List<String> list) {
        StringBuilder sb = new StringBuilder();
        for (String s : list) {
            sb.append(s).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
