package io.jrump.net.dev;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a device's deliveries on the threads that transmit, one thread at a time, in the order
 * the frames were transmitted. A frame delivered on the sender's thread can make the receiver
 * answer at once, whose answer would be delivered on the same thread, and so on: a TCP exchange
 * would recurse without bound. So every delivery goes into one queue per device, and a
 * transmitting thread that finds nobody delivering delivers from the queue until it is empty;
 * one that finds another thread delivering (or is itself inside a delivery) leaves its frame to
 * that thread and returns at once.
 *
 * <p>One queue for the device, not one per thread: frames of one connection sent by two threads
 * (a caller writing, another delivering the peer's ACKs) reach the receiver in the order they
 * were handed over. With a queue per thread, a frame queued behind the current delivery on one
 * thread could be overtaken by a later frame another thread delivered at once, and the
 * receiver's PAWS check would drop the late one. Nobody blocks on the queue, so a delivery that
 * transmits can never deadlock against it.
 */
final class Trampoline {
    private final ConcurrentLinkedQueue<Runnable> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean delivering = new AtomicBoolean();

    void run(Runnable delivery) {
        pending.add(delivery);
        // look again after letting go: a frame queued just before would otherwise wait for the next transmit
        while (!pending.isEmpty() && delivering.compareAndSet(false, true)) {
            try {
                Runnable next;
                while ((next = pending.poll()) != null) {
                    next.run();
                }
            } finally {
                delivering.set(false);
            }
        }
    }
}
