/**
 * Measuring helpers that the {@code rump} command's tours and the benchmarks share: samples
 * with their median and spread, human-readable units, the settled heap, and fleets of booted
 * kernels. A module of its own so the benchmarks measure as the command does without depending
 * on the command.
 */
module io.jrump.measure {
    requires transitive io.jrump.api;
    requires java.management;

    exports io.jrump.measure;
}
