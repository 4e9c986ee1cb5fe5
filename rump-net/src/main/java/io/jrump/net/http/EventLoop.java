package io.jrump.net.http;

import io.jrump.api.EpollEvent;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.Syscalls;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * One thread of an {@link HttpFileServer}: it sleeps in the kernel's {@code epoll_wait} on a
 * set holding the listening socket, a wake-up pipe and every connection it owns, accepts new
 * connections and drives each ready one a step ({@link HttpConnection#ready}), and ends those
 * whose deadline passed. Nothing in it blocks but {@code epoll_wait}, so a few loops serve any
 * number of clients, and a client that sends slowly or does not read costs a registered entry,
 * not a thread.
 *
 * <p>A wake-up costs time in what happened, not in what is open: the epoll set reports only the
 * ready descriptors (where {@code poll} looked at every connection each time), a connection's
 * entry is changed only when it turns from reading to writing or back, and deadlines wait in a
 * heap ordered by time. A deadline that moves later (the next request on a kept-alive
 * connection) leaves its old heap entry in place; when that entry comes up it finds the
 * connection not yet due and files it again at its current deadline. A deadline that moves
 * earlier gets a new entry, and the old one is skipped when it comes up.
 *
 * <p>Every loop of a server has the same listener in its set and accepts at most
 * {@value #ACCEPT_BATCH} connections per wake-up, so new connections spread over the loops that
 * are free to take them (a loser of the race for a connection gets EAGAIN). The wait's timeout
 * is the nearest deadline, so an idle loop sleeps until a client or a timeout needs it.
 */
final class EventLoop implements Runnable {
    private static final int ACCEPT_BATCH = 8;
    /** Ready entries taken per wait; more stay ready (level-triggered) for the next. */
    private static final int EVENTS = 256;
    /** Epoll data of the listener and of the wake-up pipe; connections are numbered from {@link #FIRST_ID}. */
    private static final long LISTENER = 0;
    private static final long WAKE = 1;
    private static final long FIRST_ID = 2;

    /** A connection as its loop knows it: its epoll data, the events registered, and its live heap entry. */
    private static final class Member {
        final HttpConnection connection;
        final long id;
        int registered;
        /** When the connection's live heap entry is due, or {@link Long#MAX_VALUE} when it has none. */
        long timerAt = Long.MAX_VALUE;

        Member(HttpConnection connection, long id) {
            this.connection = connection;
            this.id = id;
        }
    }

    private record Timer(long at, Member member) {
    }

    private final HttpFileServer server;
    private final Syscalls net;
    private final int listener;
    private final int[] wake;
    private final Map<Long, Member> members = new HashMap<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
    private final EpollEvent[] ready = new EpollEvent[EVENTS];
    private final ByteBuffer wakeBytes = ByteBuffer.allocate(64);
    private long nextId = FIRST_ID;

    EventLoop(HttpFileServer server, Syscalls net, int listener, int[] wake) {
        this.server = server;
        this.net = net;
        this.listener = listener;
        this.wake = wake;
        for (int i = 0; i < ready.length; i++) {
            ready[i] = new EpollEvent();
        }
    }

    @Override
    public void run() {
        int epfd = -1;
        try {
            epfd = net.epollCreate();
            net.epollCtl(epfd, EpollEvent.EPOLL_CTL_ADD, listener, PollFd.POLLIN, LISTENER);
            net.epollCtl(epfd, EpollEvent.EPOLL_CTL_ADD, wake[0], PollFd.POLLIN, WAKE);
            while (!server.isClosing()) {
                long now = System.nanoTime();
                expire(epfd, now);
                Timer first = timers.peek();
                int timeout = first == null ? -1 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, (first.at - now + 999_999) / 1_000_000L));
                int n = net.epollWait(epfd, ready, timeout);
                if (server.isClosing()) {
                    break;
                }
                now = System.nanoTime();
                boolean accepting = false;
                for (int i = 0; i < n; i++) {
                    long data = ready[i].data();
                    if (data == LISTENER) {
                        accepting = true;
                    } else if (data == WAKE) {
                        wakeBytes.clear();
                        net.read(wake[0], wakeBytes);
                    } else {
                        Member m = members.get(data);
                        if (m != null) { // null: ended earlier in this batch
                            m.connection.ready(ready[i].events(), now);
                            settle(epfd, m);
                        }
                    }
                }
                if (accepting) {
                    accept(epfd, now);
                }
            }
        } catch (ErrnoException | RuntimeException e) {
            if (!server.isClosing() && !server.kernel().isClosed()) {
                System.getLogger("jrump.httpd").log(System.Logger.Level.WARNING, "httpd on " + server.address() + " stopped a loop: " + e);
            }
        } finally {
            for (Member m : members.values()) {
                m.connection.finish();
                server.finished();
            }
            members.clear();
            timers.clear();
            if (epfd >= 0) {
                try {
                    net.close(epfd);
                } catch (ErrnoException | RuntimeException e) {
                    // the kernel is closing: it takes the descriptor with it
                }
            }
        }
    }

    /** Ends the connections whose deadline passed; those not yet due are filed again at their deadline. */
    private void expire(int epfd, long now) {
        Timer t;
        while ((t = timers.peek()) != null && t.at - now <= 0) {
            timers.poll();
            Member m = t.member;
            if (t.at != m.timerAt || !members.containsKey(m.id)) {
                continue; // replaced by an earlier entry, or the connection has ended
            }
            m.timerAt = Long.MAX_VALUE;
            if (m.connection.deadline() - now <= 0) {
                m.connection.expire(now);
            }
            settle(epfd, m);
        }
    }

    /**
     * After a step of a connection: forgets it when it has ended (closing its descriptor took its
     * epoll entry away), else changes its entry when it waits for something else now and makes
     * sure a heap entry is due no later than its deadline.
     */
    private void settle(int epfd, Member m) {
        HttpConnection c = m.connection;
        if (c.isDone()) {
            members.remove(m.id);
            server.finished();
            return;
        }
        int events = c.events();
        if (events != m.registered) {
            try {
                net.epollCtl(epfd, EpollEvent.EPOLL_CTL_MOD, c.fd(), events, m.id);
                m.registered = events;
            } catch (ErrnoException e) {
                c.finish(); // the descriptor is gone under us: nothing left to serve
                members.remove(m.id);
                server.finished();
                return;
            }
        }
        long deadline = c.deadline();
        if (m.timerAt == Long.MAX_VALUE || deadline - m.timerAt < 0) {
            m.timerAt = deadline;
            timers.add(new Timer(deadline, m));
        }
    }

    private void accept(int epfd, long now) throws ErrnoException {
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
            Member m = new Member(c, nextId++);
            try {
                c.open(now);
                m.registered = c.events();
                net.epollCtl(epfd, EpollEvent.EPOLL_CTL_ADD, fd, m.registered, m.id);
            } catch (ErrnoException e) {
                c.finish();
                server.finished();
                continue;
            }
            members.put(m.id, m);
            settle(epfd, m);
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

    /** Wakes the loop from {@code epoll_wait} (the server is closing). */
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
