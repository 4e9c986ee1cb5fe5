package io.jrump.fs.nio;

import io.jrump.api.BlockDevices;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The URI form of a path in an image, after the JDK zip file system's {@code jar:} URIs:
 * <pre>  rump:file:///home/me/disk.img!/etc/hostname</pre>
 * the scheme {@value #SCHEME}, the image file's own URI, {@code !}, then the absolute path in
 * the image. {@code rump:file:///home/me/disk.img} (no {@code !}) names the image's root. A
 * device that a platform module opens ({@link BlockDevices}) takes the place of the file's URI:
 * {@code rump:vhost-user-blk:/run/disk.sock!/etc/hostname}. The
 * scheme is not a file system type: the type is recognised from the superblock (or named with
 * the {@code type} key of the environment).
 */
final class ImageUri {
    static final String SCHEME = "rump";
    private static final String SEPARATOR = "!/";

    private ImageUri() {
    }

    static URI of(Path image, String inner) {
        try {
            if (isDevice(image)) {
                return new URI(SCHEME, image + "!" + inner, null);
            }
            // As zipfs: the image's URI decoded, then the whole quoted once by the multi-argument constructor.
            return new URI(SCHEME, "file://" + image.toAbsolutePath().toUri().getPath() + "!" + inner, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("no URI for " + image + "!" + inner, e);
        }
    }

    /** The image file a {@code rump:} URI names, absolute; or the device it names, as a relative path holding the device's name. */
    static Path image(URI uri) {
        check(uri);
        String device = beforeSeparator(uri.getSchemeSpecificPart());
        if (BlockDevices.isDeviceName(device)) {
            return Path.of(device);
        }
        String spec = beforeSeparator(uri.getRawSchemeSpecificPart());
        try {
            return Path.of(new URI(spec)).toAbsolutePath().normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a rump: URI of an image file (rump:file:///path/disk.img!/dir): " + uri, e);
        }
    }

    /**
     * Whether {@code image} stands for a device ({@code vhost-user-blk:/run/disk.sock}) rather
     * than a file: relative as given, since a device name is no path on the host.
     */
    static boolean isDevice(Path image) {
        return !image.isAbsolute() && BlockDevices.isDeviceName(image.toString());
    }

    private static String beforeSeparator(String spec) {
        int sep = spec.indexOf(SEPARATOR);
        if (sep >= 0) {
            return spec.substring(0, sep);
        }
        return spec.endsWith("!") ? spec.substring(0, spec.length() - 1) : spec;
    }

    /** The path inside the image a {@code rump:} URI names; "/" when it names only the image. */
    static String inner(URI uri) {
        check(uri);
        String spec = uri.getSchemeSpecificPart();
        int sep = spec.indexOf(SEPARATOR);
        return sep < 0 ? "/" : spec.substring(sep + 1);
    }

    private static void check(URI uri) {
        if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("URI scheme is not '" + SCHEME + "': " + uri);
        }
    }
}
