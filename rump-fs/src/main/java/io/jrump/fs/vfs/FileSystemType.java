package io.jrump.fs.vfs;

import io.jrump.api.ErrnoException;

/**
 * A kind of file system that {@code mount(source, target, name(), flags, data)} can create
 * (NetBSD's {@code struct vfsops}). tmpfs is one; ext2, FAT and FFS add theirs as services
 * of this type in {@code META-INF/services}, which the VFS component loads once when it is
 * itself loaded, not at every kernel boot.
 */
public interface FileSystemType {
    /** The name given to {@code mount} ("tmpfs", "ext2"). */
    String name();

    /**
     * Creates the file system for one mount: parses the options, opens the device if there is
     * one, reads and checks the superblock. Fails without side effects (EINVAL for bad options,
     * ENXIO for an unknown device, EUCLEAN-style EINVAL/EIO for a damaged image).
     */
    FileSystem mount(MountRequest request) throws ErrnoException;
}
