package io.jrump.net.channels;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.net.dev.EthernetBus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/**
 * Boots the kernel of the JVM-wide provider from system properties, so an unmodified program is
 * attached by its command line:
 *
 * <ul>
 *   <li>{@value #ATTACH}: where the kernel's {@code eth0} is plugged in. {@code loopback} (the
 *       default): no {@code eth0}, programs meet on 127.0.0.1 inside the kernel.
 *       {@code bus:NAME}: the in-memory bus {@link EthernetBus#named NAME} of this JVM, shared
 *       with kernels the program boots itself. {@code tap:TAP}: the host's TAP device (see the
 *       builder's {@code tap}; root, or a TAP made for the user).
 *       {@code link:listen:[HOST:]PORT} and {@code link:connect:HOST:PORT}: a cable to the
 *       kernel of another JVM over one host TCP connection ({@link HostStreamLink}).</li>
 *   <li>{@value #ADDRESS}: {@code eth0}'s IPv4 address and prefix ({@code 10.0.0.2/24});
 *       required unless {@code loopback}.</li>
 *   <li>{@value #GATEWAY}: the default gateway, optional.</li>
 *   <li>{@value #LINK_WAIT}: how long {@code link:connect} retries while nobody listens yet,
 *       in milliseconds (default 30000).</li>
 * </ul>
 */
final class SystemKernel {
    static final String ATTACH = "jrump.channels.attach";
    static final String ADDRESS = "jrump.channels.address";
    static final String GATEWAY = "jrump.channels.gateway";
    static final String LINK_WAIT = "jrump.channels.link.wait";
    static final String IFNAME = "eth0";
    private static final String USAGE = "expected loopback, bus:NAME, tap:TAP, link:listen:[HOST:]PORT or link:connect:HOST:PORT";

    private SystemKernel() {
    }

    /** The kernel the properties describe, booted and configured. */
    static RumpKernel boot(UnaryOperator<String> props) {
        String attach = props.apply(ATTACH);
        attach = attach == null || attach.isBlank() ? "loopback" : attach.trim();
        String address = props.apply(ADDRESS);
        String gateway = props.apply(GATEWAY);
        if (attach.equals("loopback")) {
            if (address != null || gateway != null) {
                throw new IllegalArgumentException(ADDRESS + " and " + GATEWAY + " need an " + ATTACH + " other than loopback");
            }
            return Rump.builder().component("net").boot();
        }
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException(ATTACH + "=" + attach + " needs " + ADDRESS + " (such as 10.0.0.2/24)");
        }
        int colon = attach.indexOf(':');
        String kind = colon < 0 ? attach : attach.substring(0, colon);
        String arg = colon < 0 ? "" : attach.substring(colon + 1);
        if (arg.isEmpty()) {
            throw new IllegalArgumentException(ATTACH + "=" + attach + ": " + USAGE);
        }
        RumpBuilder builder = Rump.builder().component("net");
        NetDevice device;
        switch (kind) {
            case "tap" -> {
                builder.tap(IFNAME, arg);
                device = null;
            }
            case "bus" -> device = EthernetBus.named(arg).port();
            case "link" -> device = link(arg, props);
            default -> throw new IllegalArgumentException(ATTACH + "=" + attach + ": " + USAGE);
        }
        RumpKernel kernel = builder.boot();
        try {
            if (device != null) {
                kernel.netconfig().ifcreate(IFNAME, device);
            }
            kernel.netconfig().ipv4Address(IFNAME, address.trim());
            if (gateway != null && !gateway.isBlank()) {
                kernel.netconfig().ipv4Gateway(gateway.trim());
            }
        } catch (ErrnoException | RuntimeException e) {
            kernel.close();
            if (device != null) {
                device.close();
            }
            throw new IllegalStateException("configuring " + IFNAME + " on " + attach + " as " + address + ": " + e.getMessage(), e);
        }
        return kernel;
    }

    private static NetDevice link(String arg, UnaryOperator<String> props) {
        try {
            if (arg.startsWith("listen:")) {
                String at = arg.substring("listen:".length());
                int c = at.lastIndexOf(':');
                InetSocketAddress a = c < 0 ? new InetSocketAddress(port(at)) : new InetSocketAddress(at.substring(0, c), port(at.substring(c + 1)));
                return HostStreamLink.listen(a);
            }
            if (arg.startsWith("connect:")) {
                String to = arg.substring("connect:".length());
                int c = to.lastIndexOf(':');
                if (c <= 0) {
                    throw new IllegalArgumentException(ATTACH + "=link:" + arg + ": " + USAGE);
                }
                String wait = props.apply(LINK_WAIT);
                return HostStreamLink.connect(new InetSocketAddress(to.substring(0, c), port(to.substring(c + 1))),
                        wait == null ? 30_000 : Long.parseLong(wait.trim()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(ATTACH + "=link:" + arg + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException(ATTACH + "=link:" + arg + ": " + USAGE);
    }

    private static int port(String s) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(ATTACH + ": bad port '" + s + "'");
    }
}
