package io.jrump.net.channels;

import io.jrump.api.EpollEvent;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.PollFd;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * A {@link java.nio.channels.Selector} on the kernel's {@code epoll}. A registration is an
 * {@code epoll_ctl} entry kept by the kernel between selects, so each select costs time in the
 * channels that became ready, not in the registered ones (what a {@code poll} set rebuilt at
 * each select cannot give). Interest changes and cancellations are applied at the next select,
 * under the selector's lock, as the JDK's own epoll selector does. {@code wakeup()} writes a
 * byte into a kernel pipe whose read end is in the epoll set, from any thread, which ends a
 * wait in progress or the next one (the self-pipe trick).
 */
final class KernelSelector extends AbstractSelector {
    /** How many wake-up bytes one drain takes; more are drained on the next select. */
    private static final int DRAIN = 128;
    /** Ready entries one select takes from the kernel; the rest stay ready for the next select. */
    private static final int BATCH = 1024;
    /** The epoll data of the wake-up pipe (channels are known by their descriptor, never negative). */
    private static final long WAKE = -1;

    private final Syscalls sys;
    private final int epfd;
    private final int wakeRead;
    private final int wakeWrite;
    private final Set<KernelSelectionKey> keys = ConcurrentHashMap.newKeySet();
    private final Map<Integer, KernelSelectionKey> byFd = new ConcurrentHashMap<>();
    private final Queue<KernelSelectionKey> updates = new ConcurrentLinkedQueue<>();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    private final Set<SelectionKey> selected = new HashSet<>();
    private final Set<SelectionKey> publicSelected = new Ungrowable(selected);
    private final EpollEvent[] events = new EpollEvent[BATCH];
    /** Keys whose readiness the last select looked at: the measure of its work. */
    private int examined;

    KernelSelector(KernelSelectorProvider provider) throws IOException {
        super(provider);
        this.sys = provider.sys();
        for (int i = 0; i < events.length; i++) {
            events[i] = new EpollEvent();
        }
        try {
            epfd = sys.epollCreate();
            int[] p = sys.pipe();
            wakeRead = p[0];
            wakeWrite = p[1];
            new Descriptor(sys, wakeRead).nonBlocking(true);
            new Descriptor(sys, wakeWrite).nonBlocking(true);
            sys.epollCtl(epfd, EpollEvent.EPOLL_CTL_ADD, wakeRead, PollFd.POLLIN, WAKE);
        } catch (ErrnoException e) {
            throw Errnos.map(e);
        } catch (KernelClosedException e) {
            throw Errnos.closed(e);
        }
    }

    @Override
    public Set<SelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        ensureOpen();
        return publicSelected;
    }

    private void ensureOpen() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
    }

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        if (!(ch instanceof KernelChannel)) {
            throw new IllegalSelectorException();
        }
        ensureOpen();
        KernelSelectionKey k = new KernelSelectionKey(ch, this, ops);
        k.attach(att);
        keys.add(k);
        interestChanged(k);
        return k;
    }

    /** The key's interest set changed: the kernel's entry follows at the next select. */
    void interestChanged(KernelSelectionKey k) {
        if (k.updateQueued.compareAndSet(false, true)) {
            updates.add(k);
        }
    }

    /** How many keys the last select looked at (for the tests of its cost). */
    int examined() {
        return examined;
    }

    @Override
    public int selectNow() throws IOException {
        return doSelect(null, 0);
    }

    @Override
    public int select(long timeout) throws IOException {
        return doSelect(null, millis(timeout));
    }

    @Override
    public int select() throws IOException {
        return doSelect(null, -1);
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        return doSelect(Objects.requireNonNull(action), millis(timeout));
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        return doSelect(Objects.requireNonNull(action), -1);
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        return doSelect(Objects.requireNonNull(action), 0);
    }

    /** A select time-out as the kernel's wait takes it: 0 means for ever. */
    private static int millis(long timeout) {
        if (timeout < 0) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        return timeout == 0 ? -1 : (int) Math.min(timeout, Integer.MAX_VALUE);
    }

    private int doSelect(Consumer<SelectionKey> action, int timeoutMillis) throws IOException {
        synchronized (this) {
            ensureOpen();
            synchronized (publicSelected) {
                processCancelled();
                processUpdates();
                int n;
                try {
                    begin();
                    n = sys.epollWait(epfd, events, timeoutMillis);
                } catch (ErrnoException e) {
                    if (((KernelSelectorProvider) provider()).kernelClosed()) {
                        throw new ClosedSelectorException(); // the kernel closed under the wait (its epoll descriptor with it)
                    }
                    if (e.errno() != Errno.EINTR) {
                        throw Errnos.map(e);
                    }
                    n = 0; // an interrupted select returns with the interrupt status set
                } catch (KernelClosedException e) {
                    throw new ClosedSelectorException();
                } finally {
                    end();
                }
                processCancelled();
                examined = 0;
                int updated = 0;
                for (int i = 0; i < n; i++) {
                    if (events[i].data() == WAKE) {
                        drainWakeups();
                        continue;
                    }
                    KernelSelectionKey k = byFd.get((int) events[i].data());
                    examined++;
                    if (k == null || !k.isValid()) {
                        continue;
                    }
                    updated += ready(k, k.kernelChannel().readyOps(events[i].events(), k.interest()), action);
                }
                return updated;
            }
        }
    }

    /** Adds a key's ready ops to its ready set and the selected-key set (or hands it to the action); 1 when that changed anything. */
    private int ready(KernelSelectionKey k, int ready, Consumer<SelectionKey> action) {
        if (ready == 0) {
            return 0;
        }
        if (action != null) {
            k.readyOps(ready);
            action.accept(k);
            return 1;
        }
        if (selected.contains(k)) {
            int before = k.ready();
            if ((before | ready) == before) {
                return 0;
            }
            k.readyOps(before | ready);
            return 1;
        }
        k.readyOps(ready);
        selected.add(k);
        return 1;
    }

    /** With the selector's lock: brings the kernel's epoll entries in line with the keys' interest sets. */
    private void processUpdates() throws IOException {
        KernelSelectionKey k;
        while ((k = updates.poll()) != null) {
            k.updateQueued.set(false); // a change from here on queues the key again
            if (!k.isValid()) {
                continue;
            }
            int want = k.kernelChannel().pollEvents(k.interest());
            int have = k.registeredEvents();
            if (want == have) {
                continue;
            }
            int fd = k.kernelChannel().fd();
            // No interest: no entry, since the kernel reports hang-ups and errors to every entry.
            int op = have == 0 ? EpollEvent.EPOLL_CTL_ADD : want == 0 ? EpollEvent.EPOLL_CTL_DEL : EpollEvent.EPOLL_CTL_MOD;
            try {
                sys.epollCtl(epfd, op, fd, want, fd);
            } catch (ErrnoException e) {
                if (op != EpollEvent.EPOLL_CTL_ADD && (e.errno() == Errno.ENOENT || e.errno() == Errno.EBADF)) {
                    // The channel was closed while its key was still valid: the kernel dropped the
                    // entry with the descriptor, so the key has none now.
                    byFd.remove(fd, k);
                    k.registeredEvents(0);
                    continue;
                }
                throw Errnos.map(e);
            } catch (KernelClosedException e) {
                throw new ClosedSelectorException();
            }
            if (have == 0) {
                byFd.put(fd, k);
            } else if (want == 0) {
                byFd.remove(fd, k);
            }
            k.registeredEvents(want);
        }
    }

    private void drainWakeups() {
        ByteBuffer b = ByteBuffer.allocate(DRAIN);
        try {
            while (sys.read(wakeRead, b.clear()) == DRAIN) {
                // keep draining
            }
        } catch (ErrnoException | KernelClosedException e) {
            // EAGAIN: drained
        }
    }

    /** Deregisters cancelled keys, closing the descriptor of a channel that was closed meanwhile. */
    private void processCancelled() {
        Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled) {
            for (SelectionKey k : cancelled) {
                KernelSelectionKey key = (KernelSelectionKey) k;
                keys.remove(key);
                selected.remove(key);
                forget(key);
                deregister(key);
                AbstractSelectableChannel ch = (AbstractSelectableChannel) k.channel();
                if (!ch.isOpen() && !ch.isRegistered()) {
                    ((KernelChannel) ch).kill();
                }
            }
            cancelled.clear();
        }
    }

    /** Removes a cancelled key's epoll entry before its descriptor may be closed. */
    private void forget(KernelSelectionKey k) {
        if (k.registeredEvents() == 0) {
            return;
        }
        int fd = k.kernelChannel().fd();
        byFd.remove(fd, k);
        k.registeredEvents(0);
        try {
            sys.epollCtl(epfd, EpollEvent.EPOLL_CTL_DEL, fd, 0, 0);
        } catch (ErrnoException | KernelClosedException ignored) {
            // the entry or the kernel is gone already
        }
    }

    @Override
    public KernelSelector wakeup() {
        try {
            sys.write(wakeWrite, ByteBuffer.wrap(new byte[] {1}));
        } catch (ErrnoException | KernelClosedException e) {
            // EAGAIN: the pipe is full, so a wake-up is already pending; or the selector is closed
        }
        return this;
    }

    @Override
    protected void implCloseSelector() throws IOException {
        wakeup();
        synchronized (this) {
            synchronized (publicSelected) {
                for (KernelSelectionKey k : keys) {
                    k.cancel();
                }
                processCancelled();
                keys.clear();
                selected.clear();
                updates.clear();
            }
        }
        for (int fd : new int[] {epfd, wakeRead, wakeWrite}) {
            try {
                sys.close(fd);
            } catch (ErrnoException | KernelClosedException ignored) {
                // the kernel is gone: so are the descriptors
            }
        }
    }

    /** The selected-key set: callers may remove keys, never add them (the Selector contract). */
    private static final class Ungrowable extends AbstractSet<SelectionKey> {
        private final Set<SelectionKey> set;

        Ungrowable(Set<SelectionKey> set) {
            this.set = set;
        }

        @Override
        public Iterator<SelectionKey> iterator() {
            return set.iterator();
        }

        @Override
        public int size() {
            return set.size();
        }

        @Override
        public boolean contains(Object o) {
            return set.contains(o);
        }

        @Override
        public boolean remove(Object o) {
            return set.remove(o);
        }

        @Override
        public boolean add(SelectionKey k) {
            throw new UnsupportedOperationException("the selected-key set cannot grow");
        }
    }
}
