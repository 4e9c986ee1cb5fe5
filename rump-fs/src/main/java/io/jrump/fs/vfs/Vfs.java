package io.jrump.fs.vfs;

import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.api.StatVfs;
import io.jrump.api.spi.Platform;
import io.jrump.kern.Caller;
import io.jrump.kern.DirRef;
import io.jrump.kern.KFile;
import io.jrump.kern.PathCalls;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The VFS of one kernel: what the base kernel calls for every path-name system call. It owns
 * the mount table and hands each call to the class that does that kind of work; it holds no
 * lock of its own, so calls from many threads meet only at the vnodes they share.
 */
public final class Vfs implements PathCalls {
    private final MountTable table;
    private final Namei namei;
    private final OpenOp openOp;
    private final NameOps nameOps;
    private final RenameOp renameOp;
    private final MountOps mountOps;
    private final CwdOps cwdOps;

    /**
     * @param rootFs the file system mounted at "/"
     * @param rootType its type's name, for statvfs
     * @param types the types {@code mount} may create, by name
     */
    public Vfs(FileSystem rootFs, String rootType, Map<String, FileSystemType> types, Platform platform) {
        this(rootFs, rootType, 0, types, platform);
    }

    /**
     * @param rootFlags the root's mount flags ({@link io.jrump.api.MountFlags#MNT_RDONLY})
     */
    public Vfs(FileSystem rootFs, String rootType, int rootFlags, Map<String, FileSystemType> types, Platform platform) {
        this.table = new MountTable(rootFs, rootType, rootFlags);
        this.namei = new Namei(table);
        this.openOp = new OpenOp(namei);
        this.nameOps = new NameOps(namei);
        this.renameOp = new RenameOp(namei);
        this.mountOps = new MountOps(namei, table, types, platform);
        this.cwdOps = new CwdOps(namei, table);
    }

    @Override
    public DirRef root() {
        return cwdOps.root();
    }

    @Override
    public KFile open(Caller caller, String path, int flags, int mode) throws ErrnoException {
        return openOp.open(caller, path, flags, mode);
    }

    @Override
    public Stat stat(Caller caller, String path, boolean follow) throws ErrnoException {
        return AttrOps.stat(namei.resolve(caller, path, follow));
    }

    @Override
    public void mkdir(Caller caller, String path, int mode) throws ErrnoException {
        nameOps.mkdir(caller, path, mode);
    }

    @Override
    public void rmdir(Caller caller, String path) throws ErrnoException {
        nameOps.rmdir(caller, path);
    }

    @Override
    public void unlink(Caller caller, String path) throws ErrnoException {
        nameOps.unlink(caller, path);
    }

    @Override
    public void rename(Caller caller, String from, String to) throws ErrnoException {
        renameOp.rename(caller, from, to);
    }

    @Override
    public void link(Caller caller, String existing, String newPath) throws ErrnoException {
        nameOps.link(caller, existing, newPath);
    }

    @Override
    public void symlink(Caller caller, String target, String linkPath) throws ErrnoException {
        nameOps.symlink(caller, target, linkPath);
    }

    @Override
    public void mknod(Caller caller, String path, int mode, long dev) throws ErrnoException {
        nameOps.mknod(caller, path, mode, dev);
    }

    @Override
    public String readlink(Caller caller, String path) throws ErrnoException {
        return nameOps.readlink(caller, path);
    }

    @Override
    public void chmod(Caller caller, String path, int mode) throws ErrnoException {
        AttrOps.chmod(caller.cred(), namei.resolve(caller, path, true), mode);
    }

    @Override
    public void chown(Caller caller, String path, int uid, int gid, boolean follow) throws ErrnoException {
        AttrOps.chown(caller.cred(), namei.resolve(caller, path, follow), uid, gid);
    }

    @Override
    public void utimes(Caller caller, String path, Instant atime, Instant mtime, boolean follow) throws ErrnoException {
        AttrOps.utimes(caller.cred(), namei.resolve(caller, path, follow), atime, mtime);
    }

    @Override
    public void truncate(Caller caller, String path, long length) throws ErrnoException {
        AttrOps.truncate(caller.cred(), namei.resolve(caller, path, true), length, true);
    }

    @Override
    public void access(Caller caller, String path, int mode) throws ErrnoException {
        AttrOps.access(caller.cred(), namei.resolve(caller, path, true), mode);
    }

    @Override
    public byte[] getxattr(Caller caller, String path, String name, boolean follow) throws ErrnoException {
        return XattrOps.get(caller.cred(), namei.resolve(caller, path, follow), name);
    }

    @Override
    public List<String> listxattr(Caller caller, String path, boolean follow) throws ErrnoException {
        return XattrOps.list(caller.cred(), namei.resolve(caller, path, follow));
    }

    @Override
    public void setxattr(Caller caller, String path, String name, byte[] value, int flags, boolean follow) throws ErrnoException {
        XattrOps.set(caller.cred(), namei.resolve(caller, path, follow), name, value, flags);
    }

    @Override
    public void removexattr(Caller caller, String path, String name, boolean follow) throws ErrnoException {
        XattrOps.remove(caller.cred(), namei.resolve(caller, path, follow), name);
    }

    @Override
    public StatVfs statvfs(Caller caller, String path) throws ErrnoException {
        return mountOps.statvfs(caller, path);
    }

    @Override
    public DirRef chdir(Caller caller, String path) throws ErrnoException {
        return cwdOps.chdir(caller, path);
    }

    @Override
    public String getcwd(DirRef dir) throws ErrnoException {
        return cwdOps.getcwd(dir);
    }

    @Override
    public void mount(Caller caller, String source, String target, String fstype, int flags, String data) throws ErrnoException {
        mountOps.mount(caller, source, target, fstype, flags, data);
    }

    @Override
    public void unmount(Caller caller, String target, int flags) throws ErrnoException {
        mountOps.unmount(caller, target, flags);
    }

    @Override
    public void close() {
        table.unmountAll();
    }
}
