package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What other threads may do to a selector's keys and channels while it selects, as programs
 * built on the JDK's channels do (the JDK's HttpClient and HttpServer close connections from
 * their executors while their selector thread selects): a select never fails for it and a
 * closed channel's descriptor is closed exactly once, never reopened on a dead file.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SelectorRacesTest {
    private RumpKernel kernel;
    private KernelSelectorProvider provider;
    private Syscalls sys;

    @BeforeEach
    void boot() {
        kernel = Rump.builder().component("net").boot();
        provider = (KernelSelectorProvider) KernelChannels.provider(kernel);
        sys = kernel.sys();
    }

    @AfterEach
    void close() {
        kernel.close();
    }

    /** A pipe whose source is non-blocking and readable (one byte waits in it). */
    private Pipe readablePipe() throws Exception {
        Pipe p = provider.openPipe();
        p.source().configureBlocking(false);
        p.sink().write(ByteBuffer.wrap(new byte[] {1}));
        return p;
    }

    private static int fd(Pipe.SourceChannel source) {
        return ((KernelChannel) source).fd();
    }

    /**
     * A close runs in two steps: the descriptor of a registered channel gets a dead file, then
     * the channel's keys are cancelled. A select between the two finds a valid key whose epoll
     * entry the kernel dropped with the file; changing the entry gives ENOENT, which once ended
     * the select with an IOException (and the JDK HttpClient's selector thread with it).
     */
    @Test
    void aSelectBetweenTheTwoStepsOfACloseCarriesOn() throws Exception {
        try (KernelSelector sel = (KernelSelector) provider.openSelector()) {
            Pipe p = readablePipe();
            SelectionKey key = p.source().register(sel, SelectionKey.OP_READ);
            assertEquals(1, sel.selectNow(), "the byte waiting makes the source readable");
            sel.selectedKeys().clear();
            int fd = fd(p.source());

            ((KernelChannel) p.source()).descriptor().channelClosed(() -> true, provider); // the close's first step
            key.interestOps(0); // an interest change queued before the close's second step
            assertDoesNotThrow(() -> sel.selectNow(), "a select between the two steps of a close");
            key.interestOps(SelectionKey.OP_READ);
            assertDoesNotThrow(() -> sel.selectNow(), "the key gets an entry for the dead file, not an error");

            p.source().close(); // the second step: the key is cancelled, the descriptor closed at the next select
            sel.selectNow();
            ErrnoException e = assertThrows(ErrnoException.class, () -> sys.fstat(fd));
            assertEquals(Errno.EBADF, e.errno(), "the descriptor was closed once the selector let go");

            Pipe q = readablePipe();
            q.source().register(sel, SelectionKey.OP_READ);
            assertEquals(1, sel.selectNow(), "the selector still works");
        }
    }

    /**
     * Another thread closes channels (so cancels their keys) while this one selects over them;
     * a key cancelled between the select's validity check and its use of the key's interest
     * set once threw CancelledKeyException out of the select.
     */
    @Test
    void keysCancelledByAnotherThreadWhileSelectingNeverFailTheSelect() throws Exception {
        int rounds = 300;
        int width = 32;
        try (KernelSelector sel = (KernelSelector) provider.openSelector()) {
            for (int round = 0; round < rounds; round++) {
                List<Pipe> pipes = new ArrayList<>();
                List<SelectionKey> keys = new ArrayList<>();
                for (int i = 0; i < width; i++) {
                    Pipe p = readablePipe();
                    pipes.add(p);
                    keys.add(p.source().register(sel, SelectionKey.OP_READ));
                }
                sel.selectNow();
                sel.selectedKeys().clear();
                AtomicReference<Throwable> closerFailed = new AtomicReference<>();
                Thread closer = new Thread(() -> {
                    try {
                        for (int i = 0; i < width; i++) {
                            keys.get(i).interestOps(SelectionKey.OP_READ); // an update queued for the next select
                            pipes.get(i).source().close();
                        }
                    } catch (Throwable t) {
                        closerFailed.set(t);
                    }
                }, "closer");
                closer.start();
                try {
                    while (closer.isAlive()) {
                        sel.selectNow();
                        sel.selectedKeys().clear();
                    }
                    sel.selectNow();
                } catch (RuntimeException e) {
                    fail("round " + round + ": the select failed while another thread closed channels", e);
                } finally {
                    closer.join();
                }
                assertNull(closerFailed.get());
                assertEquals(0, sel.keys().size(), "every key cancelled and let go");
                for (Pipe p : pipes) {
                    p.sink().close();
                }
            }
        }
    }

    /**
     * A registered channel closed by one thread while the selector lets go of its cancelled key
     * in another: the closing thread has found the channel registered and is about to put a dead
     * file on its descriptor (held here on the provider's lock, which hands out the dead file)
     * when the selector deregisters the key and closes the descriptor. The descriptor must end
     * up closed, never reopened on the dead file after the selector closed it (which would keep
     * the number taken for ever, or land on a descriptor opened meanwhile and kill another
     * channel).
     */
    @Test
    void aCloseRacingTheSelectorsDeregistrationClosesTheDescriptor() throws Exception {
        provider.deadFd(); // made beforehand, so only the lock is left between the close's question and its dup2
        try (KernelSelector sel = (KernelSelector) provider.openSelector()) {
            Pipe p = readablePipe();
            SelectionKey key = p.source().register(sel, SelectionKey.OP_READ);
            sel.selectNow();
            sel.selectedKeys().clear();
            int fd = fd(p.source());
            key.cancel(); // deregistered at the next select; the channel counts as registered until then
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread closer = new Thread(() -> run(failed, () -> p.source().close()), "closer");
            Thread selector = new Thread(() -> run(failed, sel::selectNow), "selector");
            synchronized (provider) {
                closer.start();
                awaitState(closer, Thread.State.BLOCKED); // registered: waits for the dead file
                selector.start();
                awaitState(selector, Thread.State.BLOCKED, Thread.State.TERMINATED);
            }
            closer.join(30_000);
            selector.join(30_000);
            assertFalse(closer.isAlive() || selector.isAlive(), "both threads ended");
            assertNull(failed.get());
            sel.selectNow();
            ErrnoException e = assertThrows(ErrnoException.class, () -> sys.fstat(fd),
                    "descriptor " + fd + " of the closed channel is still open");
            assertEquals(Errno.EBADF, e.errno());
            assertEquals(fd, fd(provider.openPipe().source()), "the number is free for the next channel");
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static void run(AtomicReference<Throwable> failed, Call call) {
        try {
            call.run();
        } catch (Throwable t) {
            failed.compareAndSet(null, t);
        }
    }

    /** Waits (bounded) until the thread is in one of the states. */
    private static void awaitState(Thread t, Thread.State... states) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!List.of(states).contains(t.getState())) {
            assertTrue(System.nanoTime() < deadline, t.getName() + " is " + t.getState() + ", expected one of " + List.of(states));
            Thread.sleep(1);
        }
    }
}
