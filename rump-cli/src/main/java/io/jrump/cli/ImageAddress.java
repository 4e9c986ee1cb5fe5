package io.jrump.cli;

import io.jrump.api.BlockDevices;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file in a disk image as the command line names it, after e2tools: {@code IMAGE:PATH},
 * or {@code IMAGE@N:PATH} for partition N of a whole-disk image; {@code IMAGE} alone (or
 * with an empty path) is the root of its file system. An image may also be a device that a
 * platform module opens ({@link BlockDevices}), such as a virtio-blk device behind a vhost-user
 * socket, {@code vhost-user-blk:SOCKET} (so {@code vhost-user-blk:/run/disk.sock:/etc}); its
 * address then holds no ':'.
 *
 * @param image the image file on the host
 * @param partition the partition number, 0 for the whole image
 * @param path the absolute path inside the image
 */
record ImageAddress(Path image, int partition, String path) {
    /**
     * Parses an argument that must name something in an image: everything before the first
     * ':' is the image (with an optional {@code @N}), the rest the path in it.
     *
     * @throws IllegalArgumentException for a partition that is not a positive number, or a relative path
     */
    static ImageAddress parse(String arg) {
        int skip = BlockDevices.prefixLength(arg);
        int colon = arg.indexOf(':', skip);
        String image = colon < 0 ? arg : arg.substring(0, colon);
        String path = colon < 0 ? "/" : arg.substring(colon + 1);
        if (image.isEmpty()) {
            throw new IllegalArgumentException("'" + arg + "': no image before ':' (IMAGE:PATH)");
        }
        if (path.isEmpty()) {
            path = "/";
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("'" + arg + "': the path in the image must be absolute (IMAGE:/PATH)");
        }
        int at = image.lastIndexOf('@');
        int partition = 0;
        if (at > 0 && image.substring(at + 1).chars().allMatch(Character::isDigit) && at < image.length() - 1) {
            try {
                partition = Integer.parseInt(image.substring(at + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + arg + "': partition number too large");
            }
            if (partition < 1) {
                throw new IllegalArgumentException("'" + arg + "': partitions are numbered from 1");
            }
            image = image.substring(0, at);
        }
        return new ImageAddress(Path.of(image), partition, path);
    }

    /**
     * For arguments that may name a host file or an image file ({@code cp}): an image address
     * when there is a ':' and what precedes it (less any {@code @N}) is an existing file;
     * otherwise {@code null}, meaning a host path.
     */
    static ImageAddress parseEither(String arg) {
        if (BlockDevices.isDeviceName(arg)) {
            return parse(arg);
        }
        int colon = arg.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        String image = arg.substring(0, colon);
        int at = image.lastIndexOf('@');
        if (Files.isRegularFile(Path.of(image)) || (at > 0 && Files.isRegularFile(Path.of(image.substring(0, at))))) {
            return parse(arg);
        }
        return null;
    }

    /** Whether the image is a device ({@code vhost-user-blk:SOCKET}) rather than a file. */
    boolean isDevice() {
        return BlockDevices.isDeviceName(image.toString());
    }

    /** The image with its partition, as messages name it: {@code disk.img@2}. */
    String imageName() {
        return partition > 0 ? image + "@" + partition : image.toString();
    }

    /** This address with another path in the same image. */
    ImageAddress withPath(String p) {
        return new ImageAddress(image, partition, p);
    }

    @Override
    public String toString() {
        return imageName() + ":" + path;
    }
}
