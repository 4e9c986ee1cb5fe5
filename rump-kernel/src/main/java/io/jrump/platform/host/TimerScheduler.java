package io.jrump.platform.host;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run the timers of host kernels (rump's callout thread, shared).
 *
 * <p>An idle kernel must own no threads, and a JVM may hold thousands of kernels, so timers do
 * not get a thread per kernel: every host kernel schedules on {@link #shared()}. Its threads
 * exist only while timers are pending: they are core threads allowed to time out after
 * {@link #DEFAULT_KEEP_ALIVE_NANOS} without work, and cancelled timers leave the queue at once
 * so that a cancelled far-off timeout does not keep a thread waiting for it. The threads are
 * daemons: a pending timer never keeps the JVM alive.
 *
 * <p>Kernels share the threads and the queue, nothing else: each timer belongs to one kernel
 * and is cancelled with it ({@link KernelTimers}). A timer task should be short, like a
 * callout; one that blocks delays the timers of other kernels.
 */
final class TimerScheduler {
    /**
     * How long a timer thread waits for work before it ends: long enough that a kernel re-arming
     * a timer every few milliseconds does not start a thread each time, short enough that a quiet
     * JVM soon has none.
     */
    static final long DEFAULT_KEEP_ALIVE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ScheduledThreadPoolExecutor executor;

    /**
     * @param threadNamePrefix timer threads are named prefix-1, prefix-2, ...
     * @param keepAliveNanos how long an idle thread lingers; positive
     */
    TimerScheduler(String threadNamePrefix, long keepAliveNanos) {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        executor = new ScheduledThreadPoolExecutor(threads, new DaemonFactory(threadNamePrefix));
        executor.setKeepAliveTime(keepAliveNanos, TimeUnit.NANOSECONDS);
        executor.allowCoreThreadTimeOut(true);
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** The scheduler of every host kernel in this JVM, made on first use. */
    static TimerScheduler shared() {
        return Shared.INSTANCE;
    }

    /** Runs {@code task} once after {@code delayNanos} (at once when not positive). */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    /** Threads alive now; zero when no timer has been pending for the keep-alive time. */
    int threadCount() {
        return executor.getPoolSize();
    }

    /** Timers waiting to fire. */
    int pendingCount() {
        return executor.getQueue().size();
    }

    /** Stops the threads; only for schedulers made by tests, the shared one lives as long as the JVM. */
    void shutdown() {
        executor.shutdownNow();
    }

    /** Holder idiom: made when first asked for; it starts no thread until a timer is scheduled. */
    private static final class Shared {
        static final TimerScheduler INSTANCE = new TimerScheduler("jrump-timer", DEFAULT_KEEP_ALIVE_NANOS);
    }

    private static final class DaemonFactory implements ThreadFactory {
        private final String prefix;
        private final AtomicInteger next = new AtomicInteger();

        DaemonFactory(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, prefix + "-" + next.incrementAndGet());
            t.setDaemon(true);
            // Not the loader of whichever caller happened to start the thread: that would pin it.
            t.setContextClassLoader(TimerScheduler.class.getClassLoader());
            return t;
        }
    }
}
