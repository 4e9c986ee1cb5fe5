package io.jrump.bench;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** One JMH benchmark method run programmatically, giving its average time per operation. */
final class JmhCase {
    private JmhCase() {
    }

    /** Runs {@code benchmark.method} with the budget's iterations and returns its score in ns/op. */
    static double nanosPerOp(Class<?> benchmark, String method, Budget budget) {
        String name = benchmark.getName() + "." + method;
        Options options = new OptionsBuilder()
                .include("^" + Pattern.quote(name) + "$")
                .forks(budget.forks())
                .warmupIterations(budget.warmupIterations())
                .warmupTime(TimeValue.milliseconds(budget.warmupMillis()))
                .measurementIterations(budget.iterations())
                .measurementTime(TimeValue.milliseconds(budget.iterationMillis()))
                .timeUnit(TimeUnit.NANOSECONDS)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results;
        try {
            results = new Runner(options).run();
        } catch (RunnerException e) {
            throw new IllegalStateException("benchmark " + name + " failed: " + e.getMessage(), e);
        }
        if (results.size() != 1) {
            throw new IllegalStateException("benchmark " + name + ": expected one result, got " + results.size());
        }
        return results.iterator().next().getPrimaryResult().getScore();
    }
}
