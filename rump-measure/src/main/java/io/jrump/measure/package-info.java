/**
 * Measuring helpers shared by the {@code rump} command and the benchmarks: samples with their
 * median and spread, units for people, the heap once garbage collection has settled, and fleets
 * of booted kernels.
 */
package io.jrump.measure;
