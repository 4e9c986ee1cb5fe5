package io.jrump.api.spi;

import java.util.List;
import java.util.Map;

/**
 * A kernel's configuration as the builder collected it.
 *
 * @param platform the platform asked for by name, or {@code null} to select one
 * @param components the components asked for; empty means every component found
 * @param options free-form options for the platform and components
 * @param devices the block devices the platform offers to this kernel
 */
public record BootConfig(String platform, List<String> components, Map<String, String> options, List<DeviceSpec> devices) {
    public BootConfig {
        components = List.copyOf(components);
        options = Map.copyOf(options);
        devices = List.copyOf(devices);
    }

    public String option(String key, String defaultValue) {
        return options.getOrDefault(key, defaultValue);
    }
}
