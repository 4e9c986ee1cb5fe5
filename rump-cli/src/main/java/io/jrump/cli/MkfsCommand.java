package io.jrump.cli;

import io.jrump.api.BlockDevice;
import io.jrump.api.BlockDevices;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.measure.Units;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import io.jrump.dev.part.Partition;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rump mkfs -t ext2 [-b BLOCKSIZE] [-L LABEL] [-F] IMAGE SIZE}: makes an image file with
 * a new file system. A file that already holds a file system, a partition table or any data is
 * overwritten only with {@code -F}, as mke2fs asks first; otherwise mkfs says what it found and
 * fails (EEXIST). A new, empty or all-zero file needs no {@code -F}.
 *
 * <p>The image may be a device, {@code vhost-user-blk:SOCKET}: its size is its own, so SIZE may
 * be left out (the whole device) or be smaller (a file system on the device's first SIZE
 * bytes, as mke2fs takes a size on a device).
 */
@Command(name = "mkfs", description = {"Make a file system in an image file (a new file is made sparse),",
    "or on a vhost-user-blk:SOCKET device (SIZE then optional: the whole device).",
    "A file that already holds a file system, a partition table or data is overwritten only with -F."})
final class MkfsCommand extends ImageCommand {
    @Option(names = "-t", paramLabel = "TYPE", defaultValue = "ext2", description = "File system type (ext2).")
    String type;

    @Option(names = "-b", paramLabel = "BLOCKSIZE", defaultValue = "0",
            description = "Block size: 1024, 2048 or 4096 (default: chosen from the size, as mke2fs does).")
    int blockSize;

    @Option(names = "-L", paramLabel = "LABEL", defaultValue = "", description = "Volume label (at most 16 bytes).")
    String label;

    @Option(names = {"-F", "--force"}, description = "Overwrite a file that already holds a file system or data.")
    boolean force;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image file, or vhost-user-blk:SOCKET.")
    Path image;

    @Parameters(index = "1", arity = "0..1", paramLabel = "SIZE",
            description = "Size in bytes, or with a unit: 64M, 1G (for a device: at most its size, default all of it).")
    String size;

    @Override
    void run(ImageSession session) throws ErrnoException {
        if (!type.equals("ext2")) {
            throw usage("-t " + type + ": only ext2 can be made");
        }
        if (blockSize != 0 && blockSize != 1024 && blockSize != 2048 && blockSize != 4096) {
            throw usage("-b " + blockSize + ": block size must be 1024, 2048 or 4096");
        }
        if (BlockDevices.isDeviceName(image.toString())) {
            formatDevice(image.toString());
            return;
        }
        if (size == null) {
            throw usage("SIZE is needed to make an image file");
        }
        long bytes = parseSize();
        if (bytes < Mkfs.MIN_SIZE) {
            throw usage("SIZE " + size + ": an ext2 file system needs at least " + Units.bytes(Mkfs.MIN_SIZE));
        }
        if (!force && Files.isRegularFile(image)) {
            String found = ImageContents.describe(image);
            if (found != null) {
                throw new ErrnoException(Errno.EEXIST, "mkfs", image.toString(), "already holds " + found + "; use -F to overwrite");
            }
        }
        ByteProgress shown = new ByteProgress(out(), "mkfs " + image, bytes, showProgress());
        long[] last = {0};
        Mkfs.createImage(image, bytes, new MkfsOptions(type, blockSize, label, permille -> {
            long done = bytes * permille / 1000;
            shown.add(done - last[0]);
            last[0] = done;
        }));
        shown.done();
        out().println(image + ": " + type + " file system of " + Units.bytes(bytes) + (label.isEmpty() ? "" : ", label '" + label + "'"));
    }

    private long parseSize() {
        try {
            return Mkfs.parseSize(size);
        } catch (ErrnoException e) {
            throw usage("SIZE '" + size + "': expected bytes or a number with k, M, G, T");
        }
    }

    /** A file system on a vhost-user-blk device: all of it, or its first SIZE bytes. */
    private void formatDevice(String name) throws ErrnoException {
        try (BlockDevice disk = BlockDevices.open(name)) {
            long bytes = size == null ? disk.size() : parseSize() / disk.sectorSize() * disk.sectorSize();
            if (bytes < Mkfs.MIN_SIZE || bytes > disk.size()) {
                throw usage("SIZE " + (size == null ? bytes : size) + ": the device holds " + Units.bytes(disk.size())
                        + " and an ext2 file system needs at least " + Units.bytes(Mkfs.MIN_SIZE));
            }
            if (!force) {
                String found = ImageContents.describe(disk, name);
                if (found != null) {
                    throw new ErrnoException(Errno.EEXIST, "mkfs", name, "already holds " + found + "; use -F to overwrite");
                }
            }
            BlockDevice target = bytes == disk.size() ? disk : new Partition(1, 0, bytes / 512, "", "").open(disk, name);
            ByteProgress shown = new ByteProgress(out(), "mkfs " + name, bytes, showProgress());
            long[] last = {0};
            Mkfs.format(target, new MkfsOptions(type, blockSize, label, permille -> {
                long done = bytes * permille / 1000;
                shown.add(done - last[0]);
                last[0] = done;
            }), false);
            disk.flush();
            shown.done();
            out().println(name + ": " + type + " file system of " + Units.bytes(bytes) + (label.isEmpty() ? "" : ", label '" + label + "'"));
        }
    }
}
