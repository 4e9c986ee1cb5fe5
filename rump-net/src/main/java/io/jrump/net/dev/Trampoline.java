package io.jrump.net.dev;

import java.util.ArrayDeque;

/**
 * Runs deliveries on the calling thread without nesting them. A frame delivered on the
 * sender's thread can make the receiver answer at once, whose answer is delivered on the same
 * thread, and so on: a TCP exchange would recurse without bound. The outermost delivery on a
 * thread therefore runs the deliveries that its callee starts one after the other, from a
 * queue private to that thread.
 *
 * <p>Per device, not static: two buses never share a queue.
 */
final class Trampoline {
    private final ThreadLocal<ArrayDeque<Runnable>> pending = new ThreadLocal<>();

    void run(Runnable delivery) {
        ArrayDeque<Runnable> queue = pending.get();
        if (queue != null) {
            queue.add(delivery);
            return;
        }
        queue = new ArrayDeque<>();
        pending.set(queue);
        try {
            Runnable next = delivery;
            while (next != null) {
                next.run();
                next = queue.poll();
            }
        } finally {
            pending.remove();
        }
    }
}
