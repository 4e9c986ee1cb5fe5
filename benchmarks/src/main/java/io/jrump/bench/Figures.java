package io.jrump.bench;

import io.jrump.measure.Samples;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The figures of a comparison run, one per case and round, kept by key until the table is printed. */
final class Figures {
    private final Map<String, List<Double>> values = new LinkedHashMap<>();

    void record(String key, double value) {
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    /** Every round's figure for {@code key}. */
    Samples samples(String key) {
        List<Double> list = values.get(key);
        if (list == null) {
            throw new IllegalStateException("no figures for " + key);
        }
        return Samples.of(list.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
