package io.jrump.kern.internal;

import io.jrump.kern.CpuMeter;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.kern.KFile;
import io.jrump.kern.PollWaiter;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code poll(2)}: checks each descriptor's readiness; when none is ready, registers a waiter
 * with every file, checks again (so a wake-up between the first check and the registration is
 * not lost), and parks until a file wakes it or the time runs out.
 */
final class Poll implements PollWaiter {
    /** POLLERR, POLLHUP and POLLNVAL are reported whether asked for or not. */
    private static final int ALWAYS = PollFd.POLLERR | PollFd.POLLHUP | PollFd.POLLNVAL;

    private final Thread thread = Thread.currentThread();
    private final FdTable fds;
    private final PollFd[] set;
    private final KFile[] files;

    private Poll(FdTable fds, PollFd[] set) {
        this.fds = fds;
        this.set = set;
        this.files = new KFile[set.length];
    }

    static int poll(FdTable fds, PollFd[] set, int timeoutMillis, Kernel kernel) throws ErrnoException {
        if (set.length > FdTable.MAX_FDS) {
            throw new ErrnoException(Errno.EINVAL, set.length + " entries exceed the descriptor limit");
        }
        return new Poll(fds, set).run(timeoutMillis, kernel);
    }

    private int run(int timeoutMillis, Kernel kernel) throws ErrnoException {
        long deadline = deadline(kernel, timeoutMillis);
        boolean registered = false;
        try {
            while (true) {
                int ready = scan();
                if (ready > 0 || timeoutMillis == 0) {
                    return ready;
                }
                if (!registered) {
                    for (KFile f : files) {
                        if (f != null) {
                            f.addWaiter(this);
                        }
                    }
                    registered = true;
                    continue;
                }
                if (!park(this, kernel, deadline)) {
                    return 0;
                }
            }
        } finally {
            if (registered) {
                for (KFile f : files) {
                    if (f != null) {
                        f.removeWaiter(this);
                    }
                }
            }
        }
    }

    /** When a wait of {@code timeoutMillis} (negative: for ever) ends, in the platform's monotonic nanoseconds. */
    static long deadline(Kernel kernel, int timeoutMillis) {
        return timeoutMillis < 0 ? Long.MAX_VALUE : kernel.platform().monotonicNanos() + timeoutMillis * 1_000_000L;
    }

    /**
     * Parks the calling thread until it is unparked or the deadline passes (false, without
     * parking, once it has passed); the time parked is not charged to the kernel. An interrupt
     * ends the wait with EINTR and stays set, as the caller's code expects to find it.
     */
    static boolean park(Object blocker, Kernel kernel, long deadline) throws ErrnoException {
        long left = deadline - kernel.platform().monotonicNanos();
        if (left <= 0) {
            return false;
        }
        CpuMeter m = CpuMeter.pause();
        if (deadline == Long.MAX_VALUE) {
            LockSupport.park(blocker);
        } else {
            LockSupport.parkNanos(blocker, left);
        }
        m.resume();
        if (Thread.interrupted()) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR);
        }
        return true;
    }

    /** One pass over the set: fills in revents, returns the entries with any. */
    private int scan() {
        int ready = 0;
        for (int i = 0; i < set.length; i++) {
            PollFd p = set[i];
            int revents = 0;
            if (p.fd() >= 0) {
                KFile f = fds.peek(p.fd());
                if (f == null) {
                    revents = PollFd.POLLNVAL;
                } else {
                    if (files[i] == null) {
                        files[i] = f;
                    }
                    revents = f.poll(p.events()) & (p.events() | ALWAYS);
                }
            }
            p.revents(revents);
            if (revents != 0) {
                ready++;
            }
        }
        return ready;
    }

    @Override
    public void wake() {
        LockSupport.unpark(thread);
    }
}
