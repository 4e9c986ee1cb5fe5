package io.jrump.fs.ext2;

import io.jrump.api.DeviceNumber;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.fs.ext2.disk.DirRecord;
import io.jrump.fs.ext2.disk.Inode;
import io.jrump.fs.vfs.DirBatch;
import io.jrump.fs.vfs.Vnode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A directory: lookup and readdir through its {@link Directory} (linear blocks, a hashed index
 * or inline data), and the operations that make, link, remove and move names, keeping link
 * counts as ext2 counts them (a directory has its own two links plus one per subdirectory's
 * {@code ..}). The nodes the VFS hands in are taken back as this file system's own through
 * {@link Ext2Fs#own}.
 */
final class Ext2Dir extends Ext2Node {
    /** Most links an ext2 inode may have (EXT2_LINK_MAX). */
    private static final int LINK_MAX = 32000;
    private static final byte[] DOTDOT = {'.', '.'};

    private Directory directory;

    Ext2Dir(Ext2Fs fs, long ino, Inode inode) {
        super(fs, ino, inode);
    }

    @Override
    Ext2Dir directory() {
        return this;
    }

    private Directory dir() {
        if (directory == null) {
            directory = new Directory(this);
        }
        return directory;
    }

    /** A new directory: two links (its name and its "."), and its "." and ".." entries. */
    @Override
    void initNew(long parent) throws ErrnoException {
        inode().setLinksCount(2);
        dir().init(parent);
    }

    /** A directory has one name: losing it leaves no links and no entries; freed now or at last close. */
    @Override
    void unlinked() throws ErrnoException {
        inode().setLinksCount(0);
        touchChanged();
        if (!isOpen()) {
            InodeRelease.release(this);
        }
    }

    @Override
    boolean lastName() {
        return true;
    }

    /**
     * EUCLEAN unless this directory's links count admits losing a subdirectory: a directory
     * holding one has its two links and the subdirectory's {@code ..}. A count that would go
     * below two frees the directory while its parent still names it.
     */
    private void requireSubdirLink(int gained) throws ErrnoException {
        if (inode().linksCount() + gained < 3) {
            throw Damage.inode(ino(), "links count " + inode().linksCount() + " does not count its subdirectories");
        }
    }

    /** A directory that was removed takes no new entries. */
    private void requireLive() throws ErrnoException {
        if (inode().linksCount() == 0) {
            throw new ErrnoException(Errno.ENOENT, "directory has been removed");
        }
    }

    private static byte[] nameBytes(String name) throws ErrnoException {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length > DirRecord.NAME_MAX) {
            throw new ErrnoException(Errno.ENAMETOOLONG);
        }
        return b;
    }

    @Override
    public Vnode lookup(String name) throws ErrnoException {
        return locked(() -> {
            if (nlink() == 0 || size() == 0 && !InlineData.isInline(inode())) {
                return null;
            }
            long found = dir().lookup(nameBytes(name));
            if (found == 0) {
                return null;
            }
            if (found != Inode.ROOT_INO && found < fs.superblock().firstIno()) {
                // the journal, the resize inode, ...: never named; unlinking such a name would free the journal
                throw Damage.inode(ino(), "entry '" + name + "' names reserved inode " + found);
            }
            return fs.node(found);
        });
    }

    @Override
    public DirBatch readdir(long cookie, int max) throws ErrnoException {
        return locked(() -> {
            if (nlink() == 0) {
                return new DirBatch(List.of(), cookie);
            }
            DirBatch b = dir().readdir(cookie, max);
            touchAccessed();
            return b;
        });
    }

    @Override
    public boolean isEmptyDirectory() throws ErrnoException {
        return locked(() -> dir().isEmpty());
    }

    @Override
    public Vnode create(String name, int newMode, int newUid, int newGid) throws ErrnoException {
        byte[] n = nameBytes(name);
        return writing(() -> {
            requireLive();
            boolean isDir = FileMode.isDirectory(newMode);
            if (isDir && nlink() >= LINK_MAX) {
                throw new ErrnoException(Errno.EMLINK);
            }
            Ext2Node child = fs.newNode(this, newMode, newUid, newGid);
            try {
                child.initNew(ino());
                dir().add(n, child.ino(), newMode);
            } catch (ErrnoException e) {
                InodeRelease.release(child);
                throw e;
            }
            if (isDir) {
                inode().setLinksCount(inode().linksCount() + 1);
            }
            touchModified();
            return child;
        });
    }

    /**
     * A FIFO, socket or device node: an inode with no blocks, a device's number in
     * {@code i_block} ({@link Inode#setDevice}), as Linux's {@code ext2_mknod} makes it.
     */
    @Override
    public Vnode mknod(String name, int newMode, long rdev, int newUid, int newGid) throws ErrnoException {
        byte[] n = nameBytes(name);
        int type = newMode & FileMode.S_IFMT;
        boolean device = type == FileMode.S_IFCHR || type == FileMode.S_IFBLK;
        if (!device && type != FileMode.S_IFIFO && type != FileMode.S_IFSOCK) {
            throw new ErrnoException(Errno.EINVAL, "ext2: mknod of type " + Integer.toOctalString(type));
        }
        if (device && !Inode.holdsDevice(rdev)) {
            throw new ErrnoException(Errno.EINVAL, "ext2: device " + DeviceNumber.toString(rdev)
                    + " out of range (major at most 4095, minor at most 1048575)");
        }
        return writing(() -> {
            requireLive();
            Ext2Node node = fs.newNode(this, newMode, newUid, newGid);
            try {
                if (device) {
                    node.inode().setDevice(rdev);
                }
                node.initNew(ino());
                dir().add(n, node.ino(), newMode);
            } catch (ErrnoException e) {
                InodeRelease.release(node);
                throw e;
            }
            touchModified();
            return node;
        });
    }

    @Override
    public Vnode symlink(String name, String target, int newUid, int newGid) throws ErrnoException {
        byte[] n = nameBytes(name);
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length == 0) {
            throw new ErrnoException(Errno.ENOENT, "ext2: empty symbolic link target");
        }
        if (t.length >= fs.blockSize()) {
            throw new ErrnoException(Errno.ENAMETOOLONG, "ext2: symbolic link target of " + t.length + " bytes (at most " + (fs.blockSize() - 1) + ")");
        }
        return writing(() -> {
            requireLive();
            Ext2Symlink link = fs.newSymlink(this, newUid, newGid);
            try {
                link.setTarget(t);
                link.initNew(ino());
                dir().add(n, link.ino(), FileMode.S_IFLNK);
            } catch (ErrnoException e) {
                InodeRelease.release(link);
                throw e;
            }
            touchModified();
            return link;
        });
    }

    @Override
    public void link(String name, Vnode target) throws ErrnoException {
        byte[] n = nameBytes(name);
        writing(() -> {
            requireLive();
            Ext2Node node = fs.own(target);
            if (node.isFreed() || node.inode().linksCount() == 0) {
                throw new ErrnoException(Errno.ENOENT, "ext2: inode " + node.ino() + " has no names left");
            }
            if (node.nlink() >= LINK_MAX) {
                throw new ErrnoException(Errno.EMLINK);
            }
            dir().add(n, node.ino(), node.mode());
            node.inode().setLinksCount(node.inode().linksCount() + 1);
            node.touchChanged();
            touchModified();
            return null;
        });
    }

    @Override
    public void remove(String name, Vnode target) throws ErrnoException {
        byte[] n = nameBytes(name);
        writing(() -> {
            Ext2Node node = fs.own(target);
            if (node.lastName()) {
                InodeRelease.check(node);
            }
            dir().remove(n);
            touchModified();
            node.unlinked();
            return null;
        });
    }

    @Override
    public void rmdir(String name, Vnode target) throws ErrnoException {
        byte[] n = nameBytes(name);
        writing(() -> {
            Ext2Dir node = fs.own(target).directory();
            requireSubdirLink(0);
            InodeRelease.check(node);
            dir().remove(n);
            inode().setLinksCount(Math.max(0, inode().linksCount() - 1));
            touchModified();
            node.unlinked();
            return null;
        });
    }

    @Override
    public void rename(String fromName, Vnode moved, Vnode toDirV, String toName, Vnode replacedV) throws ErrnoException {
        byte[] from = nameBytes(fromName);
        byte[] to = nameBytes(toName);
        writing(() -> {
            Ext2Node node = fs.own(moved);
            Ext2Dir toDir = fs.own(toDirV).directory();
            Ext2Node replaced = replacedV == null ? null : fs.own(replacedV);
            toDir.requireLive();
            boolean isDir = node.isDirectory();
            if (isDir && toDir != this && replaced == null && toDir.nlink() >= LINK_MAX) {
                throw new ErrnoException(Errno.EMLINK);
            }
            if (isDir && toDir != this) {
                requireSubdirLink(0);
            }
            if (replaced != null && replaced.isDirectory()) {
                toDir.requireSubdirLink(isDir && toDir != this ? 1 : 0);
            }
            if (replaced != null && replaced.lastName()) {
                InodeRelease.check(replaced);
            }
            if (replaced != null) {
                toDir.dir().retarget(to, node.ino(), node.mode());
            } else {
                toDir.dir().add(to, node.ino(), node.mode());
            }
            dir().remove(from);
            if (isDir && toDir != this) {
                node.directory().dir().retarget(DOTDOT, toDir.ino(), FileMode.S_IFDIR);
                inode().setLinksCount(inode().linksCount() - 1);
                toDir.inode().setLinksCount(toDir.inode().linksCount() + 1);
            }
            if (replaced != null) {
                if (replaced.isDirectory()) {
                    toDir.inode().setLinksCount(toDir.inode().linksCount() - 1);
                }
                replaced.unlinked();
            }
            touchModified();
            if (toDir != this) {
                toDir.touchModified();
            }
            node.touchChanged();
            return null;
        });
    }
}
