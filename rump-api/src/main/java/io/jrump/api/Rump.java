package io.jrump.api;

/**
 * Where every kernel starts:
 * <pre>{@code
 * try (RumpKernel kernel = Rump.builder().boot()) {
 *     kernel.sys().mkdir("/data", 0755);
 * }
 * }</pre>
 */
public final class Rump {
    private Rump() {
    }

    /** A configuration for kernels: the host platform and every component found, unless told otherwise. */
    public static RumpBuilder builder() {
        return new RumpBuilder();
    }

    /** The version of the jrump API on the class path, or "dev" when run from classes. */
    public static String version() {
        String v = Rump.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
