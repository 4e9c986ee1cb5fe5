package io.jrump.kern.internal;

import io.jrump.api.spi.ComponentContext;
import io.jrump.api.spi.Platform;
import java.util.Arrays;
import java.util.Map;

/**
 * The services components of one kernel registered, by type. A handful of entries at most,
 * so two parallel arrays searched linearly: cheaper to boot than a map.
 */
final class ComponentRegistry implements ComponentContext {
    private final String kernelName;
    private final Platform platform;
    private final Map<String, String> options;
    private Class<?>[] types = new Class<?>[0];
    private Object[] services = new Object[0];

    ComponentRegistry(String kernelName, Platform platform, Map<String, String> options) {
        this.kernelName = kernelName;
        this.platform = platform;
        this.options = options;
    }

    @Override
    public String kernelName() {
        return kernelName;
    }

    @Override
    public Platform platform() {
        return platform;
    }

    @Override
    public String option(String key, String defaultValue) {
        return options.getOrDefault(key, defaultValue);
    }

    @Override
    public synchronized <T> void register(Class<T> type, T service) {
        if (lookup(type) != null) {
            throw new IllegalStateException("kernel " + kernelName + ": a service " + type.getName() + " is already registered");
        }
        int n = types.length;
        types = Arrays.copyOf(types, n + 1);
        services = Arrays.copyOf(services, n + 1);
        types[n] = type;
        services[n] = type.cast(service);
    }

    @Override
    public synchronized <T> T lookup(Class<T> type) {
        for (int i = 0; i < types.length; i++) {
            if (types[i] == type) {
                return type.cast(services[i]);
            }
        }
        return null;
    }

    /** Closes the services that are closeable, last registered first; returns the first failure, or null. */
    synchronized Exception closeAll() {
        Exception first = null;
        for (int i = services.length - 1; i >= 0; i--) {
            if (services[i] instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
        }
        types = new Class<?>[0];
        services = new Object[0];
        return first;
    }
}
