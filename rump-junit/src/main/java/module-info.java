/**
 * The JUnit 5 extension that boots a kernel for each test (or each class) and hands it to the
 * test. It needs only the API; the kernel is required so that it is resolved on the module
 * path, where the API finds it as a service.
 */
module io.jrump.junit {
    requires transitive io.jrump.api;
    requires transitive org.junit.jupiter.api;
    requires org.junit.platform.commons;
    requires io.jrump.kernel;

    exports io.jrump.junit;
}
