package io.jrump.fs.nio;

/**
 * A file system recognised on a device.
 *
 * @param name what the superblock says it is ("ext2", "ext3", "ext4")
 * @param mountType the {@code mount} type that serves it; the driver of a family may serve
 *     several names ("ext2" mounts ext3 with a clean journal)
 * @param label the volume label, or {@code ""}
 * @param bytes the size of the file system, as its superblock gives it (a file system may be
 *     smaller than its device)
 */
public record FsType(String name, String mountType, String label, long bytes) {
}
