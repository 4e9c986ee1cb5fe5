package io.jrump.api.spi;

/**
 * What a component sees of the kernel it is attached to: the platform, the options, and a
 * registry of services by type through which components and the base kernel find each other
 * (the VFS registers the interface the system call layer calls for path names, say).
 * Registered services that are {@link AutoCloseable} are closed when the kernel closes, in
 * the reverse order of registration.
 */
public interface ComponentContext {
    String kernelName();

    Platform platform();

    String option(String key, String defaultValue);

    <T> void register(Class<T> type, T service);

    /** The service registered for {@code type}, or {@code null}. */
    <T> T lookup(Class<T> type);
}
