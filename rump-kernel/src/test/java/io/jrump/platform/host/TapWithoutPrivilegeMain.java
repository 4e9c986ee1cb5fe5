package io.jrump.platform.host;

import io.jrump.api.ErrnoException;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import java.util.List;
import java.util.Map;

/**
 * Opens each TAP named on the command line and prints, per name, the errno and message it
 * failed with (or "opened"). Run by {@link TapDeviceTest} in a process without CAP_NET_ADMIN.
 */
public final class TapWithoutPrivilegeMain {
    private TapWithoutPrivilegeMain() {
    }

    public static void main(String[] args) throws Exception {
        try (Platform p = new HostPlatformProvider().open(new PlatformConfig("unprivileged", Map.of(), List.of()))) {
            for (String name : args) {
                try {
                    p.netDevice("tap:" + name).close();
                    System.out.println(name + " opened");
                } catch (ErrnoException e) {
                    System.out.println(name + " " + e.errno() + " " + e.getMessage());
                }
            }
        }
    }
}
