/**
 * The VFS faction of jrump and its file systems: name lookup, the mount table, permission
 * checks and the path-name system calls ({@code io.jrump.fs.vfs}), and tmpfs
 * ({@code io.jrump.fs.tmpfs}). Further file system types plug in as
 * {@link io.jrump.fs.vfs.FileSystemType} services.
 */
module io.jrump.fs {
    requires transitive io.jrump.kernel;

    uses io.jrump.fs.vfs.FileSystemType;

    provides io.jrump.api.spi.KernelComponent with io.jrump.fs.VfsComponent;
}
