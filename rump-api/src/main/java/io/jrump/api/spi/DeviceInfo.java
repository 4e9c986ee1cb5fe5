package io.jrump.api.spi;

/** One device a platform offers, as {@link Platform#devices()} lists it. */
public record DeviceInfo(String name, Type type, long size, boolean readOnly, String description) {
    public enum Type {
        BLOCK,
        NET
    }
}
