package io.jrump.api;

import io.jrump.api.spi.BlockDeviceProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Image names that are devices rather than host files: {@code SCHEME:ADDRESS} where a
 * {@link BlockDeviceProvider} found by {@link ServiceLoader} offers {@code SCHEME}
 * ({@code vhost-user-blk:/run/disk.sock} when rump-arm is present). The one place that tells a
 * device name from a file name and opens it, for everything that accepts an image name.
 *
 * <p>A name is a device name only when a provider for its scheme is present, so on a class
 * path without one {@code vhost-user-blk:/x} is an ordinary (odd) file name, as it is to the
 * host. Providers are looked up through this class's own loader once, and through the calling
 * thread's context loader when that finds none (the API in a parent loader, the platform in a
 * child); the first provider of a scheme wins.
 */
public final class BlockDevices {
    private static volatile List<BlockDeviceProvider> own;

    private BlockDevices() {
    }

    /** Whether {@code name} is {@code SCHEME:ADDRESS} with a provider for SCHEME and a non-empty ADDRESS. */
    public static boolean isDeviceName(String name) {
        return provider(name) != null;
    }

    /**
     * How many leading characters of {@code name} are its {@code SCHEME:} prefix, 0 when it is
     * not a device name: for parsers of {@code IMAGE:PATH} arguments, whose first ':' after the
     * prefix ends the image.
     */
    public static int prefixLength(String name) {
        BlockDeviceProvider p = provider(name);
        return p == null ? 0 : p.scheme().length() + 1;
    }

    /** The address part of a device name ({@code /run/disk.sock}), or null when {@code name} is not one. */
    public static String address(String name) {
        int n = prefixLength(name);
        return n == 0 ? null : name.substring(n);
    }

    /**
     * Opens the device {@code name} names; the caller closes it.
     *
     * @throws ErrnoException ENODEV naming the schemes known when no provider takes {@code name};
     *     else what the provider found, naming the device
     */
    public static BlockDevice open(String name) throws ErrnoException {
        BlockDeviceProvider p = provider(name);
        if (p == null) {
            String known = providers().stream().map(q -> q.scheme() + ":").collect(Collectors.joining(", "));
            throw new ErrnoException(Errno.ENODEV, "open", name, "not a device name (known: " + (known.isEmpty() ? "none" : known) + ")");
        }
        return p.open(name.substring(p.scheme().length() + 1));
    }

    private static BlockDeviceProvider provider(String name) {
        int colon = name.indexOf(':');
        if (colon <= 0 || colon == name.length() - 1) {
            return null;
        }
        String scheme = name.substring(0, colon);
        for (BlockDeviceProvider p : providers()) {
            if (p.scheme().equals(scheme)) {
                return p;
            }
        }
        return null;
    }

    private static List<BlockDeviceProvider> providers() {
        List<BlockDeviceProvider> l = own;
        if (l == null) {
            l = load(BlockDevices.class.getClassLoader());
            own = l;
        }
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (l.isEmpty() && context != null && context != BlockDevices.class.getClassLoader()) {
            return load(context);
        }
        return l;
    }

    private static List<BlockDeviceProvider> load(ClassLoader loader) {
        List<BlockDeviceProvider> l = new ArrayList<>();
        ServiceLoader.load(BlockDeviceProvider.class, loader).forEach(l::add);
        return List.copyOf(l);
    }
}
