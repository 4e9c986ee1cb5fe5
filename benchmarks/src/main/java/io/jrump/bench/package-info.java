/**
 * The side-by-side comparisons: JMH cases and runners that measure jrump against a peer in
 * the same run (boot, syscalls, pread, TCP, HTTP) and print a markdown table with ratios.
 */
package io.jrump.bench;
