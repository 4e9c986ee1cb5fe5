/**
 * A JUnit 5 extension for tests that boot rump kernels: {@link io.jrump.junit.RumpTest}
 * configures and boots a kernel per test method (or per class), injects it into parameters
 * and {@link io.jrump.junit.RumpInject} fields, and closes it after the test.
 */
package io.jrump.junit;
