package io.jrump.api.spi;

import java.util.List;
import java.util.Map;

/** What a platform is told when opened for a kernel. */
public record PlatformConfig(String kernelName, Map<String, String> options, List<DeviceSpec> devices) {
}
