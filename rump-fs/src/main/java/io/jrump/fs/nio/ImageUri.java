package io.jrump.fs.nio;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * The URI form of a path in an image, after the JDK zip file system's {@code jar:} URIs:
 * <pre>  rump:file:///home/me/disk.img!/etc/hostname</pre>
 * the scheme {@value #SCHEME}, the image file's own URI, {@code !}, then the absolute path in
 * the image. {@code rump:file:///home/me/disk.img} (no {@code !}) names the image's root. The
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
            // As zipfs: the image's URI decoded, then the whole quoted once by the multi-argument constructor.
            return new URI(SCHEME, "file://" + image.toAbsolutePath().toUri().getPath() + "!" + inner, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("no URI for " + image + "!" + inner, e);
        }
    }

    /** The image file a {@code rump:} URI names, absolute. */
    static Path image(URI uri) {
        check(uri);
        String spec = uri.getRawSchemeSpecificPart();
        int sep = spec.indexOf(SEPARATOR);
        if (sep >= 0) {
            spec = spec.substring(0, sep);
        } else if (spec.endsWith("!")) {
            spec = spec.substring(0, spec.length() - 1);
        }
        try {
            return Path.of(new URI(spec)).toAbsolutePath().normalize();
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a rump: URI of an image file (rump:file:///path/disk.img!/dir): " + uri, e);
        }
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
