package io.jrump.net.channels;

import io.jrump.api.ErrnoException;
import io.jrump.api.KernelClosedException;
import io.jrump.api.PollFd;
import java.io.IOException;

/**
 * Waiting, with a timeout, for one descriptor of a channel to become ready: the socket views'
 * {@code SO_TIMEOUT} on reads and accepts and their connect timeout, which the JDK's adaptors
 * also implement as a {@code poll} before the call.
 */
final class Readiness {
    private Readiness() {
    }

    /**
     * Waits until {@code fd} reports one of {@code events} (or an error or hang-up, which the
     * following call then reports) or {@code millis} pass.
     *
     * @return false when the time ran out
     */
    static boolean await(KernelSelectorProvider provider, int fd, int events, long millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                return false;
            }
            PollFd[] set = {new PollFd(fd, events)};
            try {
                if (provider.sys().poll(set, (int) Math.min(left, Integer.MAX_VALUE)) > 0 && set[0].revents() != 0) {
                    return true;
                }
            } catch (ErrnoException e) {
                throw Errnos.map(e);
            } catch (KernelClosedException e) {
                throw Errnos.closed(e);
            }
        }
    }
}
