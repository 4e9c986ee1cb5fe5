package io.jrump.fs.bio;

import io.jrump.api.ErrnoException;
import java.util.concurrent.CountDownLatch;

/**
 * One device read in flight that fills a run of cache buffers. Every reader that finds one of
 * those buffers waits here instead of reading the block again, so two readers of one block cost
 * one device request; readers of other blocks never wait for it.
 */
final class BlockRead {
    private final CountDownLatch done = new CountDownLatch(1);
    /** Written before {@link #done} opens, read after: the latch orders it. */
    private ErrnoException failure;

    /** The buffers hold the block (or {@code failure} says why not); wakes every waiter. */
    void finish(ErrnoException failure) {
        this.failure = failure;
        done.countDown();
    }

    /**
     * Waits for the read to finish, uninterruptibly (it is one device request, and giving up
     * early would leave the caller without its block); keeps the thread's interrupt status.
     *
     * @throws ErrnoException the read's own error, with the waiter's block named
     */
    void await(long block) throws ErrnoException {
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new ErrnoException(failure.errno(), "block " + block + ": " + failure.detail());
        }
    }
}
