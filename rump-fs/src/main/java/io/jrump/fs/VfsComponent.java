package io.jrump.fs;

import io.jrump.api.ErrnoException;
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
 * a tmpfs root. Option {@code tmpfs.size} ("64m"; default no limit) limits that root.
 *
 * <p>The file system types are found once, when this component is loaded, not per kernel:
 * tmpfs always, others ({@link FileSystemType} services: ext2, FAT, ...) from the class path.
 * A boot then costs the root tmpfs and a few small objects.
 */
public final class VfsComponent implements KernelComponent {
    public static final String NAME = "vfs";
    /** Kernel option: size limit of the root tmpfs. */
    public static final String SIZE_OPTION = "tmpfs.size";
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
        String size = context.option(SIZE_OPTION, null);
        long bytes = size == null ? 0 : MountOptions.parseSize(SIZE_OPTION, size);
        MountOptions options = MountOptions.parse("size=" + bytes + ",mode=" + ROOT_MODE);
        FileSystem root = tmpfs.mount(new MountRequest("tmpfs", 0, options, context.platform()));
        context.register(PathCalls.class, new Vfs(root, tmpfs.name(), types, context.platform()));
    }
}
