package io.jrump.net.dev;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TrampolineTest {
    /**
     * Thread A, inside a delivery, transmits X (queued behind its current delivery); thread B then
     * transmits Y. Y must not overtake X: B leaves Y to A and returns without waiting.
     */
    @Test
    void aFrameFromAnotherThreadNeverOvertakesOneQueuedBehindTheCurrentDelivery() throws Exception {
        Trampoline t = new Trampoline();
        List<String> delivered = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch xQueued = new CountDownLatch(1);
        CountDownLatch bReturned = new CountDownLatch(1);
        Thread a = new Thread(() -> t.run(() -> {
            delivered.add("outer");
            t.run(() -> delivered.add("X"));
            assertEquals(List.of("outer"), delivered, "a nested transmit waits for the current delivery");
            xQueued.countDown();
            try {
                assertTrue(bReturned.await(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        a.start();
        assertTrue(xQueued.await(10, TimeUnit.SECONDS));
        t.run(() -> delivered.add("Y"));
        assertEquals(List.of("outer"), delivered, "B returned at once, leaving Y to the delivering thread");
        bReturned.countDown();
        a.join(10_000);
        assertEquals(List.of("outer", "X", "Y"), delivered);
    }

    @Test
    void aDeliveryThatTransmitsDoesNotRecurse() {
        Trampoline t = new Trampoline();
        int[] depth = {0};
        int[] maxDepth = {0};
        int[] count = {0};
        Runnable[] ping = new Runnable[1];
        ping[0] = () -> {
            depth[0]++;
            maxDepth[0] = Math.max(maxDepth[0], depth[0]);
            if (++count[0] < 10_000) {
                t.run(ping[0]);
            }
            depth[0]--;
        };
        t.run(ping[0]);
        assertEquals(10_000, count[0]);
        assertEquals(1, maxDepth[0], "each answer runs after the delivery that sent it");
    }
}
