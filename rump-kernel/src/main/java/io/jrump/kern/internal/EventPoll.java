package io.jrump.kern.internal;

import io.jrump.api.EpollEvent;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.PollFd;
import io.jrump.api.Stat;
import io.jrump.kern.KFile;
import io.jrump.kern.PollWaiter;
import io.jrump.kern.WaitSet;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * An epoll instance (Linux's {@code fs/eventpoll.c}, in idea): each registered file keeps one
 * {@link PollWaiter} of ours in its {@link WaitSet} for as long as it is registered, and that
 * waiter puts its entry on a ready list when the file's readiness may have changed. A wait
 * looks only at the entries on that list, so its cost follows the files that changed, never
 * the number registered, where {@link Poll} must look at every descriptor each time.
 *
 * <p>Level-triggered as Linux's default: an entry found ready is put back on the list after it
 * is reported, so the next wait looks at it again and drops it once it is no longer ready.
 *
 * <p>Locks: a file wakes its waiters with its own lock held, so {@link Entry#wake} takes no lock
 * (a lock-free queue and a flag); a wait calls {@link KFile#poll} (which takes the file's lock)
 * without holding any lock of ours.
 */
final class EventPoll extends KFile {
    /** POLLERR and POLLHUP are reported whether asked for or not (epoll_ctl(2)). */
    private static final int ALWAYS = PollFd.POLLERR | PollFd.POLLHUP;

    private final FdTable fds;
    private final Kernel kernel;
    private final Instant created;
    private final Map<Integer, Entry> entries = new ConcurrentHashMap<>();
    private final Queue<Entry> ready = new ConcurrentLinkedQueue<>();
    private final Set<Thread> waiting = ConcurrentHashMap.newKeySet();
    /** Who polls the epoll descriptor itself. */
    private final WaitSet pollers = new WaitSet();
    private volatile boolean closed;

    EventPoll(FdTable fds, Kernel kernel) {
        super(OpenFlags.O_RDWR);
        this.fds = fds;
        this.kernel = kernel;
        this.created = kernel.now();
    }

    /** The epoll instance behind a descriptor; EINVAL for any other file, as Linux answers. */
    static EventPoll of(KFile f) throws ErrnoException {
        if (f instanceof EventPoll ep) {
            return ep;
        }
        throw new ErrnoException(Errno.EINVAL, "not an epoll descriptor");
    }

    /** One registered descriptor. */
    private final class Entry implements PollWaiter {
        final int fd;
        final KFile file;
        volatile int events;
        volatile long data;
        volatile boolean removed;
        final AtomicBoolean queued = new AtomicBoolean();

        Entry(int fd, KFile file) {
            this.fd = fd;
            this.file = file;
        }

        @Override
        public void wake() {
            if (queue(this)) {
                for (Thread t : waiting) {
                    LockSupport.unpark(t);
                }
                pollers.wakeAll();
            }
        }
    }

    private boolean queue(Entry e) {
        if (e.removed || !e.queued.compareAndSet(false, true)) {
            return false;
        }
        ready.add(e);
        return true;
    }

    void control(int op, int fd, int events, long data) throws ErrnoException {
        KFile f = fds.get(fd);
        if (f == this || f instanceof EventPoll) {
            throw new ErrnoException(Errno.EINVAL, "an epoll descriptor cannot be watched by epoll here");
        }
        synchronized (entries) {
            if (closed) {
                throw new ErrnoException(Errno.EBADF);
            }
            Entry e = entries.get(fd);
            if (e != null && e.file != f) {
                // the descriptor was closed and reused since: the old entry is gone, as on Linux
                drop(e);
                e = null;
            }
            switch (op) {
                case EpollEvent.EPOLL_CTL_ADD -> {
                    if (e != null) {
                        throw new ErrnoException(Errno.EEXIST, "descriptor " + fd + " is already registered");
                    }
                    e = new Entry(fd, f);
                    e.events = events;
                    e.data = data;
                    entries.put(fd, e);
                    f.addWaiter(e);
                    e.wake(); // its readiness now is looked at by the next wait
                }
                case EpollEvent.EPOLL_CTL_MOD -> {
                    if (e == null) {
                        throw new ErrnoException(Errno.ENOENT, "descriptor " + fd + " is not registered");
                    }
                    e.events = events;
                    e.data = data;
                    e.wake();
                }
                case EpollEvent.EPOLL_CTL_DEL -> {
                    if (e == null) {
                        throw new ErrnoException(Errno.ENOENT, "descriptor " + fd + " is not registered");
                    }
                    drop(e);
                }
                default -> throw new ErrnoException(Errno.EINVAL, "unknown epoll_ctl operation " + op);
            }
        }
    }

    /** With {@code entries} locked, or once closed: forgets an entry and leaves its file's waiters. */
    private void drop(Entry e) {
        e.removed = true;
        entries.remove(e.fd, e);
        e.file.removeWaiter(e);
    }

    /** epoll_wait: fills {@code out} with ready entries; see {@link io.jrump.api.Syscalls#epollWait}. */
    int await(EpollEvent[] out, int timeoutMillis) throws ErrnoException {
        long deadline = Poll.deadline(kernel, timeoutMillis);
        Thread me = Thread.currentThread();
        waiting.add(me);
        try {
            while (true) {
                int n = harvest(out);
                if (n > 0 || timeoutMillis == 0) {
                    return n;
                }
                if (!ready.isEmpty()) {
                    continue; // woken while harvesting
                }
                if (!Poll.park(this, kernel, deadline)) {
                    return 0;
                }
                if (closed) {
                    throw new ErrnoException(Errno.EBADF, "the epoll descriptor was closed");
                }
            }
        } finally {
            waiting.remove(me);
        }
    }

    /**
     * One pass over the entries queued when this pass starts (and no further, so a file that
     * keeps waking cannot hold the caller here): reports the ready ones and queues them again.
     */
    private int harvest(EpollEvent[] out) {
        int n = 0;
        List<Entry> again = new ArrayList<>();
        for (int budget = ready.size(); n < out.length && budget > 0; budget--) {
            Entry e = ready.poll();
            if (e == null) {
                break;
            }
            e.queued.set(false); // a wake-up from here on queues it again
            if (e.removed) {
                continue;
            }
            if (fds.peek(e.fd) != e.file) {
                synchronized (entries) {
                    drop(e);
                }
                continue;
            }
            int mask = e.events | ALWAYS;
            int revents = e.file.poll(mask) & mask;
            if (revents != 0) {
                out[n++].set(revents, e.data);
                again.add(e);
            }
        }
        for (Entry e : again) {
            queue(e);
        }
        return n;
    }

    /** How many descriptors are registered. */
    int size() {
        return entries.size();
    }

    @Override
    public int read(ByteBuffer dst) throws ErrnoException {
        throw new ErrnoException(Errno.EINVAL, "an epoll descriptor has no data");
    }

    @Override
    public int write(ByteBuffer src) throws ErrnoException {
        throw new ErrnoException(Errno.EINVAL, "an epoll descriptor has no data");
    }

    @Override
    public Stat fstat() {
        return new Stat(0, 0, 0600, 1, 0, 0, 0, 0, 4096, 0, created, created, created);
    }

    /** Readable while entries are queued (they may prove not ready when waited for, as on Linux). */
    @Override
    public int poll(int events) {
        return ready.isEmpty() ? 0 : events & (PollFd.POLLIN | PollFd.POLLRDNORM);
    }

    @Override
    protected WaitSet waitSet() {
        return pollers;
    }

    @Override
    protected void closeFile() {
        synchronized (entries) {
            closed = true;
            for (Entry e : List.copyOf(entries.values())) {
                drop(e);
            }
        }
        ready.clear();
        for (Thread t : waiting) {
            LockSupport.unpark(t);
        }
    }
}
