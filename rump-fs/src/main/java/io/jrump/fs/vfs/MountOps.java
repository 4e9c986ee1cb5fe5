package io.jrump.fs.vfs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.StatVfs;
import io.jrump.api.spi.Platform;
import io.jrump.kern.Caller;
import java.util.Map;

/** mount, unmount and statvfs: the calls about whole file systems rather than files. */
final class MountOps {
    /** statvfs {@code f_flag} bits (Linux sys/statvfs.h), which equal the MS_* mount flags they report. */
    static final int ST_RDONLY = 1;
    private static final int REPORTED_FLAGS = MountFlags.MNT_RDONLY | MountFlags.MNT_NOSUID | MountFlags.MNT_NODEV | MountFlags.MNT_NOEXEC;

    private final Namei namei;
    private final MountTable table;
    private final Map<String, FileSystemType> types;
    private final Platform platform;

    MountOps(Namei namei, MountTable table, Map<String, FileSystemType> types, Platform platform) {
        this.namei = namei;
        this.table = table;
        this.types = types;
        this.platform = platform;
    }

    void mount(Caller caller, String source, String target, String fstype, int flags, String data) throws ErrnoException {
        if (!caller.cred().isSuperuser()) {
            throw new ErrnoException(Errno.EPERM, "only root may mount");
        }
        FileSystemType type = fstype == null ? null : types.get(fstype);
        if (type == null) {
            throw new ErrnoException(Errno.ENODEV, "unknown file system type '" + fstype + "'");
        }
        Vnode dir = namei.resolve(caller, target, true);
        if (!dir.isDirectory()) {
            throw new ErrnoException(Errno.ENOTDIR);
        }
        MountOptions options = MountOptions.parse(data);
        FileSystem fs = type.mount(new MountRequest(source, flags, options, platform));
        try {
            table.mount(fs, dir, flags, type.name());
        } catch (ErrnoException e) {
            fs.unmount(true);
            throw e;
        }
    }

    void unmount(Caller caller, String target, int flags) throws ErrnoException {
        if (!caller.cred().isSuperuser()) {
            throw new ErrnoException(Errno.EPERM, "only root may unmount");
        }
        Vnode v = namei.resolve(caller, target, true);
        Mount m = Mount.of(v);
        if (v != m.root()) {
            throw new ErrnoException(Errno.EINVAL, "not a mount point");
        }
        table.unmount(m, (flags & MountFlags.MNT_FORCE) != 0);
    }

    /** The file system's figures, with the mount's device number as {@code fsid} and its flags added. */
    StatVfs statvfs(Caller caller, String path) throws ErrnoException {
        Mount m = Mount.of(namei.resolve(caller, path, true));
        StatVfs s = m.fs.statvfs();
        long flag = s.flag() | (m.flags & REPORTED_FLAGS) | (m.isReadOnly() ? ST_RDONLY : 0);
        return new StatVfs(s.bsize(), s.frsize(), s.blocks(), s.bfree(), s.bavail(), s.files(), s.ffree(), s.favail(),
                m.dev, flag, s.namemax(), m.fstype);
    }
}
