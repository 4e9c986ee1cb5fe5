package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.Fcntl;
import io.jrump.api.OpenFlags;
import io.jrump.api.Syscalls;
import io.jrump.fs.mkfs.Mkfs;
import io.jrump.fs.mkfs.MkfsOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code java.nio.file} for disk images, in the manner of the JDK's zip file system: a
 * program opens an image with
 * <pre>{@code
 * try (FileSystem fs = FileSystems.newFileSystem(Path.of("disk.img"), Map.of())) {
 *     Files.readString(fs.getPath("/etc/hostname"));
 * }}</pre>
 * and uses {@code Files} on its paths as on the host's. Behind it a kernel is booted with the
 * image as its disk and the file system mounted ({@link MountedImage}); every operation is a
 * system call of that kernel, and an errno comes back as the exception NIO promises for it
 * ({@link NioErrors}).
 *
 * <p><b>Opening.</b> The type is recognised from the superblock (ext2, ext3, ext4); an image
 * with no recognisable file system is not this provider's ({@code UnsupportedOperationException},
 * so {@code FileSystems.newFileSystem} asks the next provider) unless {@code type} is given.
 * Environment keys: see {@link ImageEnv} ({@code create}, {@code type}, {@code size},
 * {@code readOnly}, {@code partition}, {@code wait}).
 *
 * <p><b>Devices.</b> Where an image file is named, a disk that a platform module opens may be
 * named instead ({@link io.jrump.api.BlockDevices}), as on the {@code rump} command line:
 * {@code FileSystems.newFileSystem(Path.of("vhost-user-blk:/run/disk.sock"), Map.of())} or
 * the URI {@code rump:vhost-user-blk:/run/disk.sock!/}. The device is opened when the file
 * system is and closed with it; there is no lock (the backend arbitrates) and no {@code create}.
 *
 * <p><b>URIs.</b> {@code rump:file:///path/disk.img!/dir/file} (see {@link ImageUri}).
 * {@code FileSystems.newFileSystem(URI, env)} opens the image and registers it, so that
 * {@code Path.of(URI)} and {@code FileSystems.getFileSystem(URI)} find it until it is closed;
 * a file system opened from a {@code Path} is not registered, as with zipfs. Note that the
 * JDK consults zipfs before this provider for {@code newFileSystem(Path, env)}: with
 * {@code create=true} and a missing file, zipfs would make a zip, so make images through the
 * URI form or by calling this provider directly.
 *
 * <p><b>Paths stay inside the image.</b> The image is its kernel's root file system
 * ({@link MountedImage}), so "/.." is "/", as on Linux, and an absolute symbolic link target
 * means the image's root, both to {@link Path#toRealPath} and to the kernel following the
 * link during a file operation. Nothing outside the image can be reached or written.
 *
 * <p><b>One writer per image.</b> Opening locks the image file: read-write by one file system
 * (or {@code rump} command, or kernel) at a time, read-only by any number, within this JVM and
 * across processes. A conflicting open fails with a {@code FileSystemException} whose reason
 * is EBUSY and names who holds the image; environment key {@code wait=true} waits instead.
 */
public final class RumpFileSystemProvider extends FileSystemProvider {
    /** Permissions of new files and directories when none are given; the kernel applies its umask (022). */
    private static final int DEFAULT_FILE_MODE = 0666;
    private static final int DEFAULT_DIR_MODE = 0777;

    /** File systems opened by URI, by image file. */
    private final Map<Path, RumpFileSystem> byImage = new HashMap<>();

    @Override
    public String getScheme() {
        return ImageUri.SCHEME;
    }

    // ---- opening ----

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        Path image = ImageUri.image(uri);
        synchronized (byImage) {
            if (byImage.containsKey(image)) {
                throw new FileSystemAlreadyExistsException(image.toString());
            }
            RumpFileSystem fs = open(image, ImageEnv.parse(env), false);
            byImage.put(image, fs);
            return fs;
        }
    }

    @Override
    public FileSystem newFileSystem(Path path, Map<String, ?> env) throws IOException {
        if (path.getFileSystem() != FileSystems.getDefault()) {
            throw new UnsupportedOperationException("images are files of the default file system: " + path);
        }
        if (ImageUri.isDevice(path)) {
            return open(path, ImageEnv.parse(env), false);
        }
        return open(path.toAbsolutePath().normalize(), ImageEnv.parse(env), true);
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
        synchronized (byImage) {
            RumpFileSystem fs = byImage.get(ImageUri.image(uri));
            if (fs == null) {
                throw new FileSystemNotFoundException(uri.toString());
            }
            return fs;
        }
    }

    @Override
    public Path getPath(URI uri) {
        return ((RumpFileSystem) getFileSystem(uri)).getPath(ImageUri.inner(uri));
    }

    /** A file system over a tmpfs of {@code bytes} (0: the tmpfs default, half of the heap) instead of an image: for tests, and for code wanting a scratch file system. */
    static FileSystem newMemoryFileSystem(long bytes) throws IOException {
        try {
            return new RumpFileSystem(new RumpFileSystemProvider(), MountedImage.memory(bytes), null);
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, "memory", null);
        }
    }

    private RumpFileSystem open(Path image, ImageEnv env, boolean mayDecline) throws IOException {
        try {
            if (ImageUri.isDevice(image)) {
                return openDevice(image, env);
            }
            if (Files.notExists(image)) {
                if (!env.create()) {
                    throw new NoSuchFileException(image.toString(), null, "no such image (set create=true to make one)");
                }
                if (env.partition() != 0) {
                    throw new IllegalArgumentException("create makes a whole-disk file system; partition must be 0");
                }
                String type = env.type() == null ? ImageEnv.DEFAULT_TYPE : env.type();
                Mkfs.createImage(image, env.size(), new MkfsOptions(type, 0, "", null));
            } else if (mayDecline && env.type() == null && !recognised(image, env.partition(), env.waitForLock())) {
                throw new UnsupportedOperationException(image + ": no file system jrump recognises (" + FsTypes.KNOWN + ")");
            }
            return new RumpFileSystem(this, MountedImage.open(image, env.partition(), env.type(), env.readOnly(), env.waitForLock()), image);
        } catch (ErrnoException e) {
            FileSystemException nio = new FileSystemException(image.toString(), null, NioErrors.reason(e));
            nio.initCause(e);
            throw nio;
        }
    }

    /** The file system on the device {@code image} names; the device is closed with it, or at once when mounting fails. */
    private RumpFileSystem openDevice(Path image, ImageEnv env) throws ErrnoException {
        if (env.create()) {
            throw new IllegalArgumentException(image + ": create makes an image file; a device is formatted with rump mkfs");
        }
        String name = image.toString();
        return new RumpFileSystem(this, MountedImage.open(io.jrump.api.BlockDevices.open(name), name, env.partition(), env.type(),
                env.readOnly()), image);
    }

    /**
     * Whether {@code image} holds a file system this provider can open; a file that cannot even
     * be a disk (empty, or not whole sectors: EINVAL) is just not an image.
     */
    private static boolean recognised(Path image, int partition, boolean wait) throws ErrnoException {
        try {
            return MountedImage.probe(image, partition, wait) != null;
        } catch (ErrnoException e) {
            if (e.errno() == io.jrump.api.Errno.EINVAL) {
                return false;
            }
            throw e;
        }
    }

    void removed(RumpFileSystem fs) {
        synchronized (byImage) {
            byImage.values().remove(fs);
        }
    }

    // ---- files ----

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        RumpPath p = check(path);
        RumpFileSystem fs = p.getFileSystem();
        boolean append = options.contains(StandardOpenOption.APPEND);
        boolean write = options.contains(StandardOpenOption.WRITE) || append;
        boolean read = options.contains(StandardOpenOption.READ) || !write;
        if (append && options.contains(StandardOpenOption.READ)) {
            throw new IllegalArgumentException("READ and APPEND together");
        }
        if (append && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND and TRUNCATE_EXISTING together");
        }
        int flags = read && write ? OpenFlags.O_RDWR : write ? OpenFlags.O_WRONLY : OpenFlags.O_RDONLY;
        if (write) {
            fs.checkWritable();
            if (options.contains(StandardOpenOption.CREATE_NEW)) {
                flags |= OpenFlags.O_CREAT | OpenFlags.O_EXCL;
            } else if (options.contains(StandardOpenOption.CREATE)) {
                flags |= OpenFlags.O_CREAT;
            }
            if (options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
                flags |= OpenFlags.O_TRUNC;
            }
        }
        if (append) {
            flags |= OpenFlags.O_APPEND;
        }
        if (options.contains(StandardOpenOption.SYNC)) {
            flags |= OpenFlags.O_SYNC;
        } else if (options.contains(StandardOpenOption.DSYNC)) {
            flags |= OpenFlags.O_DSYNC;
        }
        if (options.contains(LinkOption.NOFOLLOW_LINKS)) {
            flags |= OpenFlags.O_NOFOLLOW;
        }
        boolean deleteOnClose = options.contains(StandardOpenOption.DELETE_ON_CLOSE);
        if (deleteOnClose) {
            fs.checkWritable();
        }
        try {
            int fd = fs.sys().open(p.kernelPath(), flags, mode(attrs, DEFAULT_FILE_MODE));
            return fs.track(new RumpByteChannel(fs, p, fd, read, write, deleteOnClose));
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, p, null);
        }
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
        return (FileChannel) newByteChannel(path, options, attrs);
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
        return RumpDirectoryStream.open(check(dir), filter);
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        RumpPath p = check(dir);
        p.getFileSystem().checkWritable();
        try {
            p.getFileSystem().sys().mkdir(p.kernelPath(), mode(attrs, DEFAULT_DIR_MODE));
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, p, null);
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        ImageCalls.delete(check(path));
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        RumpPath l = check(link);
        RumpPath t = check(target);
        if (attrs.length > 0) {
            throw new UnsupportedOperationException("a symbolic link has no attributes of its own to set");
        }
        l.getFileSystem().checkWritable();
        try {
            l.getFileSystem().sys().symlink(t.toString(), l.kernelPath());
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, l, t);
        }
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        RumpPath l = check(link);
        RumpPath x = check(existing);
        if (l.getFileSystem() != x.getFileSystem()) {
            throw new FileSystemException(l.toString(), x.toString(), "hard link across images");
        }
        l.getFileSystem().checkWritable();
        try {
            l.getFileSystem().sys().link(x.kernelPath(), l.kernelPath());
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, l, x);
        }
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        RumpPath l = check(link);
        try {
            return l.getFileSystem().getPath(l.getFileSystem().sys().readlink(l.kernelPath()));
        } catch (ErrnoException e) {
            if (e.errno() == io.jrump.api.Errno.EINVAL) {
                throw NioErrors.notALink(l, e);
            }
            throw NioErrors.translate(e, l, null);
        }
    }

    // ---- copy and move ----

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        CopyMove.copy(check(source), check(target), options);
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        CopyMove.move(check(source), check(target), options);
    }

    // ---- attributes and checks ----

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        if (path.equals(path2)) {
            return true;
        }
        if (!(path instanceof RumpPath a) || !(path2 instanceof RumpPath b) || a.getFileSystem() != b.getFileSystem()) {
            return false;
        }
        return ImageCalls.isSame(ImageCalls.stat(a), ImageCalls.stat(b));
    }

    @Override
    public boolean isHidden(Path path) {
        RumpPath name = check(path).getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        RumpPath p = check(path);
        ImageCalls.stat(p);
        return p.getFileSystem().store();
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        RumpPath p = check(path);
        int bits = Fcntl.F_OK;
        for (AccessMode m : modes) {
            bits |= switch (m) {
                case READ -> Fcntl.R_OK;
                case WRITE -> Fcntl.W_OK;
                case EXECUTE -> Fcntl.X_OK;
            };
        }
        try {
            p.getFileSystem().sys().access(p.kernelPath(), bits);
        } catch (ErrnoException e) {
            if (e.errno() == io.jrump.api.Errno.EROFS) {
                throw new java.nio.file.AccessDeniedException(p.toString(), null, "read-only file system");
            }
            throw NioErrors.translate(e, p, null);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        RumpPath p = check(path);
        boolean follow = !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
        if (type == BasicFileAttributeView.class) {
            return (V) new RumpAttributeView("basic", p, follow);
        }
        if (type == PosixFileAttributeView.class) {
            return (V) new RumpAttributeView("posix", p, follow);
        }
        if (type == FileOwnerAttributeView.class) {
            return (V) new RumpAttributeView("owner", p, follow);
        }
        if (type == UserDefinedFileAttributeView.class) {
            return (V) new RumpUserAttributeView(p, follow);
        }
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options) throws IOException {
        if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
            throw new UnsupportedOperationException("attributes " + type.getName() + " not supported (basic, posix)");
        }
        return (A) view(path, "posix", options).readAttributes();
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        if (attributes.startsWith("user:")) {
            return userAttributes(path, attributes.substring("user:".length()), options);
        }
        return AttributeNames.read(view(path, AttributeNames.view(attributes), options).readAttributes(), attributes);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        if (attribute.startsWith("user:")) {
            ByteBuffer v = value instanceof byte[] b ? ByteBuffer.wrap(b) : (ByteBuffer) value;
            getFileAttributeView(path, UserDefinedFileAttributeView.class, options).write(attribute.substring("user:".length()), v);
            return;
        }
        AttributeNames.set(view(path, AttributeNames.view(attribute), options), attribute, value);
    }

    /** {@code user:a,b} or {@code user:*}: the named values (byte arrays) of the {@code user} view, as the JDK's provider reads them. */
    private Map<String, Object> userAttributes(Path path, String names, LinkOption... options) throws IOException {
        UserDefinedFileAttributeView v = getFileAttributeView(path, UserDefinedFileAttributeView.class, options);
        List<String> wanted = names.equals("*") ? v.list() : Arrays.asList(names.split(","));
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (String n : wanted) {
            ByteBuffer b = ByteBuffer.allocate(v.size(n));
            v.read(n, b);
            out.put(n, b.array());
        }
        return out;
    }

    private RumpAttributeView view(Path path, String name, LinkOption... options) {
        return new RumpAttributeView(name, check(path), !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS));
    }

    // ---- helpers ----
    /** The mode of a {@code posix:permissions} attribute, or {@code dflt}. */
    private static int mode(FileAttribute<?>[] attrs, int dflt) {
        int mode = dflt;
        for (FileAttribute<?> a : attrs) {
            if (!a.name().equals("posix:permissions") && !a.name().equals("unix:permissions")) {
                throw new UnsupportedOperationException("initial attribute '" + a.name() + "' not supported (posix:permissions)");
            }
            @SuppressWarnings("unchecked")
            Set<PosixFilePermission> perms = (Set<PosixFilePermission>) a.value();
            mode = RumpFileAttributes.mode(perms);
        }
        return mode;
    }

    private static RumpPath check(Path path) {
        if (!(path instanceof RumpPath p)) {
            throw new ProviderMismatchException("not a path in an image: " + path + " (" + path.getClass().getName() + ")");
        }
        return p;
    }
}
