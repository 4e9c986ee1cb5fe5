package io.jrump.kern;

/**
 * Which kernel a thread is working for, and since when: one per thread. Time is charged when
 * the thread switches (enters a kernel, leaves it, enters another kernel nested inside, as a
 * bus delivers a frame to kernel B inside kernel A's {@code write}), so a stretch of a thread's
 * time goes to exactly one kernel and nested work is not counted twice. Re-entering the kernel
 * already being charged reads no clock at all.
 *
 * <p>Waiting is not work: the places where a call blocks ({@code poll}, pipes, the network
 * stack's waits) {@link #pause} the meter before they park and {@link #resume} it after.
 */
public final class CpuMeter implements AutoCloseable {
    private static final ThreadLocal<CpuMeter> THREAD = ThreadLocal.withInitial(CpuMeter::new);

    /** The kernels entered, innermost last; a few deep at most. */
    private Accounting[] stack = new Accounting[4];
    private int depth;
    /** When the innermost kernel started being charged, on its clock. */
    private long since;
    private boolean paused;

    private CpuMeter() {
    }

    static CpuMeter enter(Accounting a) {
        CpuMeter m = THREAD.get();
        m.push(a);
        return m;
    }

    private void push(Accounting next) {
        Accounting cur = depth == 0 ? null : stack[depth - 1];
        if (depth == stack.length) {
            stack = java.util.Arrays.copyOf(stack, depth * 2);
        }
        stack[depth++] = next;
        if (cur != next) {
            switchFrom(cur, next);
        }
    }

    /**
     * Ends what the matching {@link Accounting#enter} started, on the same thread: written as
     * {@code try (CpuMeter m = accounting.enter()) {...}} or with the close in a {@code finally}.
     * The meter is the thread's own object, so either form allocates nothing.
     */
    @Override
    public void close() {
        Accounting top = stack[--depth];
        stack[depth] = null;
        Accounting next = depth == 0 ? null : stack[depth - 1];
        if (top != next) {
            switchFrom(top, next);
        }
    }

    private void switchFrom(Accounting cur, Accounting next) {
        if (cur != null && !paused) {
            cur.charge(cur.now() - since);
        }
        paused = false;
        if (next != null) {
            since = next.now();
        }
    }

    /** Stops charging the calling thread before it blocks; a no-op outside every kernel. Pair with {@link #resume}. */
    public static CpuMeter pause() {
        CpuMeter m = THREAD.get();
        if (m.depth > 0 && !m.paused) {
            Accounting cur = m.stack[m.depth - 1];
            cur.charge(cur.now() - m.since);
            m.paused = true;
        }
        return m;
    }

    /** Charges again after the wait that {@link #pause} announced. */
    public void resume() {
        if (paused) {
            paused = false;
            since = stack[depth - 1].now();
        }
    }
}
