package io.jrump.fs;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.MountFlags;
import io.jrump.api.spi.ComponentContext;
import io.jrump.api.spi.KernelComponent;
import io.jrump.fs.tmpfs.TmpfsType;
import io.jrump.fs.vfs.FileSystem;
import io.jrump.fs.vfs.FileSystemType;
import io.jrump.fs.vfs.MountOptions;
import io.jrump.fs.vfs.MountRequest;
import io.jrump.fs.vfs.Vfs;
import io.jrump.kern.PathCalls;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The VFS faction (rump's librumpvfs): attaching it gives a kernel path-name system calls and
 * a root file system.
 *
 * <p>The root is a tmpfs unless {@value #ROOT_OPTION} names a block device of the platform to
 * mount there, as Linux's {@code root=}, {@code rootfstype=}, {@code rootflags=} and {@code ro}
 * kernel parameters do: {@value #ROOT_TYPE_OPTION} (required with a device),
 * {@value #ROOT_FLAGS_OPTION} (the mount's data, "cache=64"), {@value #ROOT_READ_ONLY_OPTION}
 * ("true"). A file system on the root is the top of every lookup: ".." there stays there and
 * absolute symbolic links resolve from it, which is how a disk image is kept to itself.
 * Option {@value #SIZE_OPTION} ("64m"; default half of the heap, see {@link TmpfsType}; "0": no
 * limit) limits a tmpfs root.
 *
 * <p>The file system types are found once, when this component is loaded, not per kernel:
 * tmpfs always, others ({@link FileSystemType} services: ext2, FAT, ...) from the class path.
 * A boot then costs the root tmpfs and a few small objects.
 */
public final class VfsComponent implements KernelComponent {
    public static final String NAME = "vfs";
    /** Kernel option: size limit of the root tmpfs. */
    public static final String SIZE_OPTION = "tmpfs.size";
    /** Kernel option: the block device to mount as the root instead of a tmpfs. */
    public static final String ROOT_OPTION = "root";
    /** Kernel option: the file system type of {@value #ROOT_OPTION}. */
    public static final String ROOT_TYPE_OPTION = "root.type";
    /** Kernel option: the mount data of {@value #ROOT_OPTION}. */
    public static final String ROOT_FLAGS_OPTION = "root.flags";
    /** Kernel option: "true" mounts {@value #ROOT_OPTION} read-only. */
    public static final String ROOT_READ_ONLY_OPTION = "root.readOnly";
    /** The root is a system directory, not /tmp: root-owned and not world-writable. */
    private static final String ROOT_MODE = "0755";

    private final Map<String, FileSystemType> types;
    private final TmpfsType tmpfs = new TmpfsType();

    public VfsComponent() {
        Map<String, FileSystemType> found = new HashMap<>();
        found.put(tmpfs.name(), tmpfs);
        for (FileSystemType t : ServiceLoader.load(FileSystemType.class, VfsComponent.class.getClassLoader())) {
            found.putIfAbsent(t.name(), t);
        }
        this.types = Map.copyOf(found);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void attach(ComponentContext context) throws ErrnoException {
        String device = context.option(ROOT_OPTION, null);
        if (device != null) {
            attachDeviceRoot(context, device);
            return;
        }
        String size = context.option(SIZE_OPTION, null);
        String data = "mode=" + ROOT_MODE + (size == null ? "" : ",size=" + MountOptions.parseSize(SIZE_OPTION, size));
        FileSystem root = tmpfs.mount(new MountRequest("tmpfs", 0, MountOptions.parse(data), context.platform()));
        context.register(PathCalls.class, new Vfs(root, tmpfs.name(), types, context.platform()));
    }

    private void attachDeviceRoot(ComponentContext context, String device) throws ErrnoException {
        String typeName = context.option(ROOT_TYPE_OPTION, null);
        if (typeName == null) {
            throw new ErrnoException(Errno.EINVAL, ROOT_OPTION + "=" + device + " needs " + ROOT_TYPE_OPTION);
        }
        FileSystemType type = types.get(typeName);
        if (type == null) {
            throw new ErrnoException(Errno.ENODEV, ROOT_TYPE_OPTION + ": unknown file system type '" + typeName + "'");
        }
        String ro = context.option(ROOT_READ_ONLY_OPTION, "false");
        if (!ro.equals("true") && !ro.equals("false")) {
            throw new ErrnoException(Errno.EINVAL, ROOT_READ_ONLY_OPTION + ": expected true or false, got '" + ro + "'");
        }
        int flags = ro.equals("true") ? MountFlags.MNT_RDONLY : 0;
        MountOptions options = MountOptions.parse(context.option(ROOT_FLAGS_OPTION, null));
        FileSystem root = type.mount(new MountRequest(device, flags, options, context.platform()));
        context.register(PathCalls.class, new Vfs(root, type.name(), flags, types, context.platform()));
    }
}
