package io.jrump.measure;

import java.util.Arrays;

/**
 * Order statistics of a set of measurements: median, percentiles, min and max. Medians
 * rather than means, because the machines these figures come from are noisy and a few
 * pauses (GC, another process) should not move the result.
 */
public final class Samples {
    private final double[] sorted;

    private Samples(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        this.sorted = values.clone();
        Arrays.sort(this.sorted);
    }

    public static Samples of(double... values) {
        return new Samples(values);
    }

    public static Samples of(long... values) {
        return new Samples(Arrays.stream(values).asDoubleStream().toArray());
    }

    public int count() {
        return sorted.length;
    }

    public double min() {
        return sorted[0];
    }

    public double max() {
        return sorted[sorted.length - 1];
    }

    /** The middle value; the mean of the two middle ones for an even count. */
    public double median() {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** The nearest-rank percentile: the smallest value with at least {@code p} percent of the samples at or below it. */
    public double percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile out of (0, 100]: " + p);
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
