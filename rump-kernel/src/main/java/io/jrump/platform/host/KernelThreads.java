package io.jrump.platform.host;

import io.jrump.api.KernelClosedException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The threads one kernel made, kept so that closing the kernel stops them: closing releases
 * everything, and a thread left running would hold the kernel's memory and maybe its files.
 * A thread leaves the set when its body returns. Made on a kernel's first thread.
 *
 * <p>Threads are daemons (a forgotten kernel must not keep the JVM alive) named
 * {@code kernel/name}, so a thread dump says which kernel a thread serves.
 */
final class KernelThreads {
    /**
     * How long {@link #close()} waits, in all, for interrupted threads to end; a thread that
     * ignores interrupts is logged and left, rather than hanging the caller of close.
     */
    static final long JOIN_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String kernelName;
    private final System.Logger logger;
    /** Guarded by this. */
    private final Set<Thread> threads = new HashSet<>();
    private boolean closed;

    KernelThreads(String kernelName, System.Logger logger) {
        this.kernelName = kernelName;
        this.logger = logger;
    }

    /**
     * A new, unstarted kernel thread.
     *
     * @throws KernelClosedException after {@link #close()}: such a thread could never be stopped
     */
    Thread newThread(String name, Runnable body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } finally {
                forget(Thread.currentThread());
            }
        }, kernelName + "/" + name);
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler((t, e) ->
                logger.log(System.Logger.Level.ERROR, "kernel thread " + t.getName() + " died", e));
        synchronized (this) {
            if (closed) {
                throw new KernelClosedException("kernel " + kernelName + " is closed: cannot make thread " + name);
            }
            threads.add(thread);
        }
        return thread;
    }

    synchronized int liveCount() {
        int n = 0;
        for (Thread t : threads) {
            if (t.isAlive()) {
                n++;
            }
        }
        return n;
    }

    /** Interrupts every thread and waits for them to end; a thread closing its own kernel is not waited for. */
    void close() {
        List<Thread> stop;
        synchronized (this) {
            closed = true;
            stop = new ArrayList<>(threads);
        }
        for (Thread t : stop) {
            t.interrupt();
        }
        long deadline = System.nanoTime() + JOIN_TIMEOUT_NANOS;
        boolean interrupted = false;
        for (Thread t : stop) {
            if (t == Thread.currentThread()) {
                continue;
            }
            try {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    TimeUnit.NANOSECONDS.timedJoin(t, left);
                }
            } catch (InterruptedException e) {
                interrupted = true; // finish closing, then tell the caller
            }
            if (t.isAlive()) {
                logger.log(System.Logger.Level.WARNING, "kernel thread " + t.getName()
                        + " did not end when its kernel closed; leaving it");
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void forget(Thread thread) {
        threads.remove(thread);
    }
}
