package io.jrump.netinet;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The counters of one kernel's stack: made on first use, bumped without contention. */
final class StackCounters implements Counters {
    private final Map<String, Cell> cells = new ConcurrentHashMap<>();

    @Override
    public Counter counter(String name) {
        return cells.computeIfAbsent(name, k -> new Cell());
    }

    /** Bumps a counter looked up by name; for rare events (drops by reason) only. */
    void inc(String name) {
        counter(name).inc();
    }

    long get(String name) {
        Cell c = cells.get(name);
        return c == null ? 0 : c.sum();
    }

    Map<String, Long> snapshot() {
        Map<String, Long> m = new TreeMap<>();
        cells.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    private static final class Cell extends LongAdder implements Counter {
        private static final long serialVersionUID = 1L;

        @Override
        public long get() {
            return sum();
        }
    }
}
