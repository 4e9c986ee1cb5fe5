package io.jrump.net.channels;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A {@link java.nio.channels.Selector} on the kernel's {@code poll}. Each select builds one
 * {@code poll} set from the registered keys plus the read end of a kernel pipe; {@code wakeup()}
 * writes a byte into that pipe from any thread, which ends a {@code poll} in progress or the next
 * one (the self-pipe trick, as the JDK's poll selector does on the host).
 *
 * <p>Each select costs time in the number of registered keys, not the ready ones: the kernel's
 * {@code poll} has no registration to keep between calls.
 */
final class KernelSelector extends AbstractSelector {
    /** How many wake-up bytes one drain takes; more are drained on the next select. */
    private static final int DRAIN = 128;

    private final Syscalls sys;
    private final int wakeRead;
    private final int wakeWrite;
    private final Set<KernelSelectionKey> keys = ConcurrentHashMap.newKeySet();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    private final Set<SelectionKey> selected = new HashSet<>();
    private final Set<SelectionKey> publicSelected = new Ungrowable(selected);

    KernelSelector(KernelSelectorProvider provider) throws IOException {
        super(provider);
        this.sys = provider.sys();
        try {
            int[] p = sys.pipe();
            wakeRead = p[0];
            wakeWrite = p[1];
            Errnos.nonBlocking(sys, wakeRead, true);
            Errnos.nonBlocking(sys, wakeWrite, true);
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
        return k;
    }

    @Override
    public int selectNow() throws IOException {
        return doSelect(null, 0);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        return doSelect(null, timeout == 0 ? -1 : (int) Math.min(timeout, Integer.MAX_VALUE));
    }

    @Override
    public int select() throws IOException {
        return doSelect(null, -1);
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        return doSelect(Objects.requireNonNull(action), timeout == 0 ? -1 : (int) Math.min(timeout, Integer.MAX_VALUE));
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        return doSelect(Objects.requireNonNull(action), -1);
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        return doSelect(Objects.requireNonNull(action), 0);
    }

    private int doSelect(Consumer<SelectionKey> action, int timeoutMillis) throws IOException {
        synchronized (this) {
            ensureOpen();
            synchronized (publicSelected) {
                processCancelled();
                List<KernelSelectionKey> polled = new ArrayList<>(keys.size());
                List<PollFd> set = new ArrayList<>(keys.size() + 1);
                set.add(new PollFd(wakeRead, PollFd.POLLIN));
                for (KernelSelectionKey k : keys) {
                    if (!k.isValid()) {
                        continue;
                    }
                    int ops = k.interestOps();
                    int ev = k.kernelChannel().pollEvents(ops);
                    if (ev != 0) {
                        polled.add(k);
                        set.add(new PollFd(k.kernelChannel().fd(), ev));
                    }
                }
                PollFd[] fds = set.toArray(new PollFd[0]);
                try {
                    begin();
                    sys.poll(fds, timeoutMillis);
                } catch (ErrnoException e) {
                    throw Errnos.map(e);
                } catch (KernelClosedException e) {
                    throw new ClosedSelectorException();
                } finally {
                    end();
                }
                if (fds[0].revents() != 0) {
                    drainWakeups();
                }
                processCancelled();
                int updated = 0;
                for (int i = 1; i < fds.length; i++) {
                    int revents = fds[i].revents();
                    KernelSelectionKey k = polled.get(i - 1);
                    if (revents == 0 || !k.isValid()) {
                        continue;
                    }
                    int ready = k.kernelChannel().readyOps(revents, k.interestOps());
                    if (ready == 0) {
                        continue;
                    }
                    if (action != null) {
                        k.readyOps(ready);
                        action.accept(k);
                        updated++;
                    } else if (selected.contains(k)) {
                        int before = k.readyOps();
                        if ((before | ready) != before) {
                            k.readyOps(before | ready);
                            updated++;
                        }
                    } else {
                        k.readyOps(ready);
                        selected.add(k);
                        updated++;
                    }
                }
                return updated;
            }
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
                keys.remove(k);
                selected.remove(k);
                deregister((KernelSelectionKey) k);
                AbstractSelectableChannel ch = (AbstractSelectableChannel) k.channel();
                if (!ch.isOpen() && !ch.isRegistered()) {
                    ((KernelChannel) ch).kill();
                }
            }
            cancelled.clear();
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
            }
        }
        try {
            sys.close(wakeRead);
            sys.close(wakeWrite);
        } catch (ErrnoException | KernelClosedException ignored) {
            // the kernel is gone: so are the pipe's descriptors
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
