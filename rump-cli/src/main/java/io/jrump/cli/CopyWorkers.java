package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that move files' data while a {@link TreeCopier} walks on, so that reading the
 * next file from an image (often a wait for the disk) overlaps creating and writing the last
 * one on the host (a wait for the host's directory). The walk hands over a file and goes on;
 * it calls {@link #drain} before anything that must come after the files it handed over (a
 * directory's mode and times, the end of the copy). A full queue makes the walking thread copy
 * the file itself, so the walk never runs far ahead.
 *
 * <p>The first failure stops the copy: files handed over after it are skipped, the walk gets
 * it (unchanged, so it still names its call, path and cause) at its next {@link #submit} or
 * {@link #drain}, and {@link #close} returns only when no worker is writing any more.
 */
final class CopyWorkers implements AutoCloseable {
    /** One file's copy. */
    @FunctionalInterface
    interface Job {
        void run() throws ErrnoException;
    }

    /** Files waiting for a worker, at most: enough to keep the workers busy while the walk looks up the next names. */
    private static final int QUEUED = 64;
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final ThreadPoolExecutor pool;
    /** Jobs handed over and not finished; guarded by this. */
    private int running;
    /** The first failure; guarded by this. */
    private Throwable failure;

    /** @param threads workers besides the walking thread (at least 1) */
    CopyWorkers(int threads) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUED), body -> {
            Thread t = new Thread(body, "rump-cp-" + NAMES.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy());
    }

    /** Hands {@code job} to a worker (or runs it here when the queue is full); throws the first failure so far instead, if any. */
    void submit(Job job) throws ErrnoException {
        synchronized (this) {
            rethrow();
            running++;
        }
        pool.execute(() -> {
            Throwable t = null;
            try {
                if (!failed()) {
                    job.run();
                }
            } catch (ErrnoException | RuntimeException | Error e) {
                t = e;
            } finally {
                finished(t);
            }
        });
    }

    private synchronized boolean failed() {
        return failure != null;
    }

    private synchronized void finished(Throwable t) {
        if (t != null && failure == null) {
            failure = t;
        }
        if (--running == 0 || t != null) {
            notifyAll();
        }
    }

    /** Waits until every job handed over has finished; throws the first failure, if any. */
    synchronized void drain() throws ErrnoException {
        while (running > 0 && failure == null) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ErrnoException(Errno.EINTR, "cp", null, "interrupted while files were being copied");
            }
        }
        rethrow();
    }

    /** Caller holds the monitor. */
    private void rethrow() throws ErrnoException {
        if (failure instanceof ErrnoException e) {
            throw e;
        } else if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        }
    }

    /** Lets the jobs in hand finish (skipped, after a failure) and stops the workers. */
    @Override
    public void close() {
        pool.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (pool.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
