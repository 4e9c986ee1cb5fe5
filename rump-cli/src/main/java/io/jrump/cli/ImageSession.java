package io.jrump.cli;

import io.jrump.api.BlockDevice;
import io.jrump.api.BlockDevices;
import io.jrump.api.ErrnoException;
import io.jrump.dev.FileBlockDevice;
import io.jrump.fs.nio.MountedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The images one command works on, each opened once (one kernel per image, so that
 * {@code cp a.img:/x a.img:/y} is a copy inside one file system) and closed together at the
 * end, which unmounts them and so writes everything back. An image only read is opened
 * read-only: listing an image never changes a byte of it.
 *
 * <p>Images are locked while open (one writer, or any number of readers, across processes):
 * a command that needs an image another {@code rump} or program holds fails with EBUSY
 * naming it, or, with {@code --wait}, waits for it.
 */
final class ImageSession implements AutoCloseable {
    private final Map<String, MountedImage> open = new LinkedHashMap<>();
    private final boolean wait;

    /** @param wait wait for images other openers hold instead of failing with EBUSY */
    ImageSession(boolean wait) {
        this.wait = wait;
    }

    /** Whether opening an image held elsewhere waits ({@code --wait}). */
    boolean waits() {
        return wait;
    }

    /** The mounted image of {@code a}, writable if asked; an image opened read-only before is reopened writable. */
    MountedImage open(ImageAddress a, boolean writable) throws ErrnoException {
        String key = a.isDevice() ? a.image() + "@" + a.partition() : a.image().toAbsolutePath().normalize() + "@" + a.partition();
        MountedImage m = open.get(key);
        if (m != null && (!writable || !m.isReadOnly())) {
            return m;
        }
        if (m != null) {
            open.remove(key);
            m.close();
        }
        if (a.isDevice()) {
            String name = a.image().toString();
            m = MountedImage.open(BlockDevices.open(name), name, a.partition(), null, !writable);
        } else {
            m = MountedImage.open(a.image(), a.partition(), null, !writable, wait);
        }
        open.put(key, m);
        return m;
    }

    /**
     * The disk of {@code a} itself, below any partition or file system, for commands that read
     * tables or write a new file system: the image file, or the virtio-blk device behind a
     * vhost-user socket. The caller closes it.
     */
    BlockDevice disk(ImageAddress a, boolean writable) throws ErrnoException {
        if (a.isDevice()) {
            return BlockDevices.open(a.image().toString());
        }
        return FileBlockDevice.open(a.image(), !writable, wait);
    }

    /** Side of a copy or a file operation on {@code a}. */
    ImageSide side(ImageAddress a, boolean writable) throws ErrnoException {
        return new ImageSide(open(a, writable));
    }

    /** Closes every image; the first failure is thrown after all were closed. */
    @Override
    public void close() throws ErrnoException {
        List<ErrnoException> failures = new ArrayList<>();
        for (MountedImage m : open.values()) {
            try {
                m.close();
            } catch (ErrnoException e) {
                failures.add(e);
            }
        }
        open.clear();
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
