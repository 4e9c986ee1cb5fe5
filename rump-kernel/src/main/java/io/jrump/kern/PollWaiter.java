package io.jrump.kern;

/** Woken by a file whose readiness may have changed; {@code poll} and blocking calls register one. */
@FunctionalInterface
public interface PollWaiter {
    void wake();
}
