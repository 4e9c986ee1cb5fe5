package io.jrump.kern.internal;

import static org.junit.jupiter.api.Assertions.fail;

import io.jrump.api.ErrnoException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A system call run on a thread of its own and waited for until it blocks, so that a test
 * acts (closes a descriptor, closes the kernel) on a call that is really waiting rather than
 * on one that has not begun yet: a pause of a few milliseconds is too short on a loaded
 * machine, and the call then fails with EBADF or finds the kernel closed. The calls that
 * block here wait on a monitor or park, which shows as {@link Thread.State#WAITING}.
 */
final class BlockedCall {
    /** How long a call may take to block, or a blocked call to return once woken. */
    private static final long LIMIT_MILLIS = 10_000;

    @FunctionalInterface
    interface Call {
        Object run() throws ErrnoException;
    }

    private final Thread thread;
    private final CompletableFuture<Object> result = new CompletableFuture<>();

    private BlockedCall(String name, Call call) {
        thread = new Thread(() -> {
            try {
                result.complete(call.run());
            } catch (ErrnoException e) {
                result.complete(e.errno());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, name);
        thread.setDaemon(true);
    }

    /** Starts {@code call} and returns once it waits; fails when it ends or keeps running instead. */
    static BlockedCall start(String name, Call call) throws InterruptedException {
        BlockedCall b = new BlockedCall(name, call);
        b.thread.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LIMIT_MILLIS);
        while (true) {
            Thread.State s = b.thread.getState();
            if (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING) {
                return b;
            }
            if (s == Thread.State.TERMINATED) {
                fail(name + " returned without blocking: " + b.result.getNow(null));
            }
            if (System.nanoTime() > deadline) {
                fail(name + " did not block within " + LIMIT_MILLIS + " ms: " + s);
            }
            b.thread.join(1);
        }
    }

    /** What the call returned, or the errno it failed with. */
    Object result() throws Exception {
        return result.get(LIMIT_MILLIS, TimeUnit.MILLISECONDS);
    }
}
