package io.jrump.junit;

/** How long a kernel booted by {@link RumpTest} lives. */
public enum KernelLifecycle {
    /** A fresh kernel for every test method, closed when the method is done (the default). */
    PER_METHOD,
    /**
     * One kernel for all the tests of a class, booted before the first and closed after the
     * last; cheaper, but the tests see each other's files. Static {@link RumpInject} fields
     * are only set in this mode.
     */
    PER_CLASS
}
