package io.jrump.netinet;

/**
 * Named event counters of a stack, like {@code netstat -s}: "ip.drops.bad_checksum",
 * "tcp.retransmits". A protocol asks once for the counters it keeps and bumps them on hot
 * paths without looking them up again.
 */
public interface Counters {
    /** A counter that can be bumped from any thread. */
    interface Counter {
        void add(long n);

        default void inc() {
            add(1);
        }

        long get();
    }

    /** The counter named {@code name}, made at zero on first use. */
    Counter counter(String name);
}
