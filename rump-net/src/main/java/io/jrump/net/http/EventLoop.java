package io.jrump.net.http;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.Syscalls;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One thread of an {@link HttpFileServer}: it sleeps in the kernel's {@code poll} on the
 * listening socket, a wake-up pipe and every connection it owns, accepts new connections and
 * drives each ready one a step ({@link HttpConnection#ready}), and ends those whose deadline
 * passed. Nothing in it blocks but {@code poll}, so a few loops serve any number of clients,
 * and a client that sends slowly or does not read costs a poll entry, not a thread.
 *
 * <p>Every loop of a server polls the same listener and accepts at most
 * {@value #ACCEPT_BATCH} connections per wake-up, so new connections spread over the loops
 * that are free to take them (a loser of the race for a connection gets EAGAIN). The poll
 * timeout is the nearest connection deadline, so an idle loop sleeps until a client or a
 * timeout needs it.
 */
final class EventLoop implements Runnable {
    private static final int ACCEPT_BATCH = 8;

    private final HttpFileServer server;
    private final Syscalls net;
    private final int listener;
    private final int[] wake;
    private final List<HttpConnection> connections = new ArrayList<>();
    private final PollFd listenEntry;
    private final PollFd wakeEntry;
    private final ByteBuffer wakeBytes = ByteBuffer.allocate(64);
    private PollFd[] set = new PollFd[0];

    EventLoop(HttpFileServer server, Syscalls net, int listener, int[] wake) {
        this.server = server;
        this.net = net;
        this.listener = listener;
        this.wake = wake;
        this.listenEntry = new PollFd(listener, PollFd.POLLIN);
        this.wakeEntry = new PollFd(wake[0], PollFd.POLLIN);
    }

    @Override
    public void run() {
        try {
            while (!server.isClosing()) {
                long now = System.nanoTime();
                long next = expire(now);
                int n = connections.size();
                if (set.length != n + 2) {
                    set = new PollFd[n + 2];
                    set[0] = listenEntry;
                    set[1] = wakeEntry;
                }
                for (int i = 0; i < n; i++) {
                    set[i + 2] = connections.get(i).pollFd();
                }
                int timeout = next == Long.MAX_VALUE ? -1 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, (next - now + 999_999) / 1_000_000L));
                net.poll(set, timeout);
                if (server.isClosing()) {
                    break;
                }
                if (wakeEntry.revents() != 0) {
                    wakeBytes.clear();
                    net.read(wake[0], wakeBytes);
                }
                now = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    int revents = set[i + 2].revents();
                    if (revents != 0) {
                        connections.get(i).ready(revents, now);
                    }
                }
                if (listenEntry.revents() != 0) {
                    accept(now);
                }
                removeDone();
            }
        } catch (ErrnoException | RuntimeException e) {
            if (!server.isClosing() && !server.kernel().isClosed()) {
                System.getLogger("jrump.httpd").log(System.Logger.Level.WARNING, "httpd on " + server.address() + " stopped a loop: " + e);
            }
        } finally {
            for (HttpConnection c : connections) {
                c.finish();
                server.finished();
            }
            connections.clear();
        }
    }

    /** Ends the connections whose deadline passed; returns the nearest deadline left. */
    private long expire(long now) {
        long next = Long.MAX_VALUE;
        boolean ended = false;
        for (int i = 0; i < connections.size(); i++) {
            HttpConnection c = connections.get(i);
            if (c.deadline() - now <= 0) {
                c.expire(now);
            }
            if (c.isDone()) {
                ended = true;
            } else if (c.deadline() < next) {
                next = c.deadline();
            }
        }
        if (ended) {
            removeDone();
        }
        return next;
    }

    private void removeDone() {
        int kept = 0;
        for (int i = 0; i < connections.size(); i++) {
            HttpConnection c = connections.get(i);
            if (c.isDone()) {
                server.finished();
            } else {
                connections.set(kept++, c);
            }
        }
        connections.subList(kept, connections.size()).clear();
    }

    private void accept(long now) throws ErrnoException {
        for (int i = 0; i < ACCEPT_BATCH; i++) {
            int fd;
            try {
                fd = net.accept(listener);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EAGAIN || e.errno() == Errno.ECONNABORTED || e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
                    return; // none left, one lost, or descriptors exhausted until some close
                }
                throw e;
            }
            HttpConnection c = server.admit(fd, peer(fd));
            if (c == null) {
                continue; // refused: busy
            }
            try {
                c.open(now);
                connections.add(c);
            } catch (ErrnoException e) {
                c.finish();
                server.finished();
            }
        }
    }

    private String peer(int fd) {
        try {
            InetSocketAddress p = net.getpeername(fd);
            return p.getAddress().getHostAddress();
        } catch (ErrnoException e) {
            return "-";
        }
    }

    /** Wakes the loop from {@code poll} (the server is closing). */
    void wake() {
        try {
            net.write(wake[1], ByteBuffer.wrap(new byte[] {1}));
        } catch (ErrnoException e) {
            // the kernel is closing: the loop ends on its own
        }
    }

    void closePipe() {
        for (int f : wake) {
            try {
                net.close(f);
            } catch (ErrnoException e) {
                // nothing to recover
            }
        }
    }
}
