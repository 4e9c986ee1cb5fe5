/**
 * The VFS faction of jrump and its file systems: name lookup, the mount table, permission
 * checks and the path-name system calls ({@code io.jrump.fs.vfs}), tmpfs
 * ({@code io.jrump.fs.tmpfs}), ext2 with ext4 read-only ({@code io.jrump.fs.ext2}) and the
 * buffer cache ({@code io.jrump.fs.bio}). Further file system types plug in as
 * {@link io.jrump.fs.vfs.FileSystemType} services.
 */
@SuppressWarnings("module") // the qualified export names a module built after this one
module io.jrump.fs {
    requires transitive io.jrump.kernel;

    exports io.jrump.fs.nio;
    exports io.jrump.fs.mkfs;
    // VfsComponent's option names (root, root.type, ...): rump serve boots a kernel on an image.
    exports io.jrump.fs to io.jrump.cli;

    uses io.jrump.fs.vfs.FileSystemType;

    provides io.jrump.api.spi.KernelComponent with io.jrump.fs.VfsComponent;
    provides java.nio.file.spi.FileSystemProvider with io.jrump.fs.nio.RumpFileSystemProvider;
    provides io.jrump.fs.vfs.FileSystemType with io.jrump.fs.ext2.Ext2Type, io.jrump.fs.ext2.Ext3Type, io.jrump.fs.ext2.Ext4Type;
}
