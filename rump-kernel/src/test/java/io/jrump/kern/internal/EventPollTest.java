package io.jrump.kern.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.EpollEvent;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.PollFd;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import io.jrump.kern.KFile;
import io.jrump.kern.WaitSet;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EventPollTest {
    private final Kernel kernel = TestKernels.boot();
    private final Syscalls sys = kernel.sys();

    @AfterEach
    void close() {
        kernel.close();
    }

    /** A file whose readiness the test sets, counting how often anyone asks for it. */
    private static final class CountingFile extends KFile {
        final WaitSet waiters = new WaitSet();
        final LongAdder polls;
        volatile boolean readable;

        CountingFile(LongAdder polls) {
            super(0);
            this.polls = polls;
        }

        void readable(boolean r) {
            readable = r;
            waiters.wakeAll();
        }

        @Override
        public int poll(int events) {
            polls.increment();
            return readable ? events & PollFd.POLLIN : 0;
        }

        @Override
        protected WaitSet waitSet() {
            return waiters;
        }

        @Override
        public int read(ByteBuffer dst) {
            return 0;
        }

        @Override
        public int write(ByteBuffer src) {
            return 0;
        }

        @Override
        public Stat fstat() throws ErrnoException {
            throw new ErrnoException(Errno.EINVAL);
        }

        @Override
        protected void closeFile() {
        }
    }

    private static EpollEvent[] events(int n) {
        EpollEvent[] e = new EpollEvent[n];
        for (int i = 0; i < n; i++) {
            e[i] = new EpollEvent();
        }
        return e;
    }

    @Test
    void aWaitLooksAtTheReadyEntriesNotTheRegisteredOnes() throws Exception {
        FdTable table = new FdTable();
        LongAdder polls = new LongAdder();
        CountingFile[] files = new CountingFile[10_000];
        EventPoll ep = new EventPoll(table, kernel);
        for (int i = 0; i < files.length; i++) {
            files[i] = new CountingFile(polls);
            int fd = table.install(files[i], 0, false);
            ep.control(EpollEvent.EPOLL_CTL_ADD, fd, PollFd.POLLIN, fd);
        }
        EpollEvent[] out = events(64);
        // Registration looks at each file once (as Linux's ep_insert does): none is ready.
        assertEquals(0, ep.await(out, 0));
        assertEquals(files.length, polls.sumThenReset());

        for (int round = 0; round < 100; round++) {
            assertEquals(0, ep.await(out, 0));
        }
        assertEquals(0, polls.sumThenReset(), "idle waits look at nothing");

        files[4321].readable(true);
        assertEquals(1, ep.await(out, 0));
        assertEquals(4321, out[0].data());
        assertEquals(PollFd.POLLIN, out[0].events());
        assertEquals(1, polls.sumThenReset(), "one ready entry, one look");

        // level-triggered: still ready, reported again; looked at once per wait
        assertEquals(1, ep.await(out, 0));
        assertEquals(1, polls.sumThenReset());
        files[4321].readable(false);
        assertEquals(0, ep.await(out, 0));
        assertEquals(1, polls.sumThenReset(), "the entry is looked at once more and dropped");
        assertEquals(0, ep.await(out, 0));
        assertEquals(0, polls.sumThenReset());
    }

    @Test
    void waitWakesWhenAPipeBecomesReadableAndDropsItWhenDrained() throws Exception {
        int ep = sys.epollCreate();
        int[] p = sys.pipe();
        sys.epollCtl(ep, EpollEvent.EPOLL_CTL_ADD, p[0], PollFd.POLLIN, 77L);
        EpollEvent[] out = events(4);
        assertEquals(0, sys.epollWait(ep, out, 20));
        CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return sys.epollWait(ep, out, -1);
            } catch (ErrnoException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(20);
        sys.write(p[1], ByteBuffer.wrap(new byte[] {1, 2}));
        assertEquals(1, waiter.get(10, TimeUnit.SECONDS));
        assertEquals(77L, out[0].data());
        assertEquals(PollFd.POLLIN, out[0].events());
        sys.read(p[0], ByteBuffer.allocate(8));
        assertEquals(0, sys.epollWait(ep, out, 0));

        sys.close(p[1]);
        assertEquals(1, sys.epollWait(ep, out, 0));
        assertEquals(PollFd.POLLHUP, out[0].events(), "hang-up is reported unasked");
    }

    @Test
    void modifyDeleteAndTheErrorsLinuxGives() throws Exception {
        int ep = sys.epollCreate();
        int[] p = sys.pipe();
        EpollEvent[] out = events(2);
        sys.epollCtl(ep, EpollEvent.EPOLL_CTL_ADD, p[1], PollFd.POLLIN, 1);
        assertEquals(0, sys.epollWait(ep, out, 0), "an empty pipe's write end is not readable");
        sys.epollCtl(ep, EpollEvent.EPOLL_CTL_MOD, p[1], PollFd.POLLOUT, 2);
        assertEquals(1, sys.epollWait(ep, out, 0));
        assertEquals(2, out[0].data());
        assertEquals(Errno.EEXIST, errno(() -> sys.epollCtl(ep, EpollEvent.EPOLL_CTL_ADD, p[1], PollFd.POLLIN, 1)));
        sys.epollCtl(ep, EpollEvent.EPOLL_CTL_DEL, p[1], 0, 0);
        assertEquals(0, sys.epollWait(ep, out, 0));
        assertEquals(Errno.ENOENT, errno(() -> sys.epollCtl(ep, EpollEvent.EPOLL_CTL_DEL, p[1], 0, 0)));
        assertEquals(Errno.ENOENT, errno(() -> sys.epollCtl(ep, EpollEvent.EPOLL_CTL_MOD, p[0], PollFd.POLLIN, 0)));
        assertEquals(Errno.EINVAL, errno(() -> sys.epollCtl(ep, EpollEvent.EPOLL_CTL_ADD, ep, PollFd.POLLIN, 0)));
        assertEquals(Errno.EINVAL, errno(() -> sys.epollCtl(ep, 99, p[0], PollFd.POLLIN, 0)));
        assertEquals(Errno.EINVAL, errno(() -> sys.epollWait(p[0], out, 0)), "not an epoll descriptor");
        assertEquals(Errno.EBADF, errno(() -> sys.epollCtl(ep, EpollEvent.EPOLL_CTL_ADD, 999, PollFd.POLLIN, 0)));
    }

    /** The failure is about the watched descriptor: the message names it, then the epoll one. */
    @Test
    void controlErrorsNameTheWatchedDescriptor() throws Exception {
        int ep = sys.epollCreate();
        int[] p = sys.pipe();
        ErrnoException bad = assertThrows(ErrnoException.class, () -> sys.epollCtl(ep, EpollEvent.EPOLL_CTL_ADD, 999, PollFd.POLLIN, 0));
        assertEquals("epoll_ctl fd 999 (epoll fd " + ep + "): EBADF (Bad file descriptor): descriptor 999 is not open", bad.getMessage());
        ErrnoException missing = assertThrows(ErrnoException.class, () -> sys.epollCtl(ep, EpollEvent.EPOLL_CTL_DEL, p[0], 0, 0));
        assertTrue(missing.getMessage().startsWith("epoll_ctl fd " + p[0] + " (epoll fd " + ep + "): ENOENT"), missing.getMessage());
        ErrnoException notEpoll = assertThrows(ErrnoException.class, () -> sys.epollCtl(p[1], EpollEvent.EPOLL_CTL_ADD, p[0], PollFd.POLLIN, 0));
        assertTrue(notEpoll.getMessage().startsWith("epoll_ctl fd " + p[1] + ": EINVAL"), notEpoll.getMessage());
    }

    @Test
    void aClosedDescriptorLeavesTheSet() throws Exception {
        int ep = sys.epollCreate();
        int[] p = sys.pipe();
        sys.epollCtl(ep, EpollEvent.EPOLL_CTL_ADD, p[1], PollFd.POLLOUT, 5);
        sys.close(p[1]);
        int[] q = sys.pipe(); // reuses p[1]'s number for q's read end
        EpollEvent[] out = events(2);
        assertEquals(0, sys.epollWait(ep, out, 0), "the old entry does not report the new file");
        sys.epollCtl(ep, EpollEvent.EPOLL_CTL_ADD, q[0], PollFd.POLLIN, 6);
    }

    @Test
    void anInterruptedWaitFailsWithEintrAndKeepsTheInterrupt() throws Exception {
        int ep = sys.epollCreate();
        AtomicReference<Object> result = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                result.set(sys.epollWait(ep, events(1), -1));
            } catch (ErrnoException e) {
                result.set(e.errno());
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        t.start();
        Thread.sleep(30);
        t.interrupt();
        t.join(10_000);
        assertEquals(Errno.EINTR, result.get());
        assertTrue(stillInterrupted.get());
    }

    private static Errno errno(ThrowingCall c) {
        return assertThrows(ErrnoException.class, c::run).errno();
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }
}
