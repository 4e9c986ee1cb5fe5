package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ReadOnlyFileSystemException;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A disk image opened as a {@link FileSystem}: a {@link MountedImage} (a kernel of its own
 * with the image mounted) behind the {@code java.nio.file} API. Paths are POSIX paths in the
 * image; the one root is "/". Closing the file system closes its channels, unmounts the image
 * (writing everything back) and closes the kernel.
 */
final class RumpFileSystem extends FileSystem {
    /** The attribute views by name. */
    static final Set<String> VIEWS = Set.of("basic", "owner", "posix", "unix", "user");

    private final RumpFileSystemProvider provider;
    private final MountedImage image;
    /** The image file, absolute, or the device's name as a relative path ({@link ImageUri#isDevice}); {@code null} for a memory file system. */
    private final Path imageFile;
    private final RumpFileStore store = new RumpFileStore(this);
    private final RumpPrincipals principals = new RumpPrincipals();
    private final Set<RumpByteChannel> channels = ConcurrentHashMap.newKeySet();
    private volatile boolean open = true;

    RumpFileSystem(RumpFileSystemProvider provider, MountedImage image, Path imageFile) {
        this.provider = provider;
        this.image = image;
        this.imageFile = imageFile;
    }

    MountedImage image() {
        return image;
    }

    /** The image file this file system was opened from. */
    Path imageFile() {
        if (imageFile == null) {
            throw new UnsupportedOperationException("a memory file system has no image file, so no URI");
        }
        return imageFile;
    }

    /** The kernel's system calls; fails once the file system is closed. */
    Syscalls sys() {
        if (!open) {
            throw new ClosedFileSystemException();
        }
        return image.sys();
    }

    void checkWritable() {
        if (image.isReadOnly()) {
            throw new ReadOnlyFileSystemException();
        }
    }

    RumpByteChannel track(RumpByteChannel ch) {
        channels.add(ch);
        return ch;
    }

    void forget(RumpByteChannel ch) {
        channels.remove(ch);
    }

    @Override
    public RumpFileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (!open) {
                return;
            }
            open = false;
        }
        for (RumpByteChannel ch : List.copyOf(channels)) {
            try {
                ch.close(); // before the unmount, which refuses a busy file system
            } catch (IOException e) {
                // the descriptor is gone either way; the unmount reports what matters
            }
        }
        channels.clear();
        provider.removed(this);
        try {
            image.close();
        } catch (ErrnoException e) {
            FileSystemException nio = new FileSystemException(image.name(), null, NioErrors.reason(e));
            nio.initCause(e);
            throw nio;
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isReadOnly() {
        return image.isReadOnly();
    }

    @Override
    public String getSeparator() {
        return "/";
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        return List.of(RumpPath.parse(this, "/"));
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return List.of(store);
    }

    FileStore store() {
        return store;
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return VIEWS;
    }

    @Override
    public RumpPath getPath(String first, String... more) {
        StringBuilder sb = new StringBuilder(first);
        for (String m : more) {
            if (!m.isEmpty()) {
                sb.append(sb.length() == 0 ? "" : "/").append(m);
            }
        }
        return RumpPath.parse(this, sb.toString());
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        int colon = syntaxAndPattern.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected syntax:pattern, got '" + syntaxAndPattern + "'");
        }
        String syntax = syntaxAndPattern.substring(0, colon);
        String pattern = syntaxAndPattern.substring(colon + 1);
        Pattern re = switch (syntax.toLowerCase(java.util.Locale.ROOT)) {
            case "glob" -> Globs.toRegex(pattern);
            case "regex" -> Pattern.compile(pattern);
            default -> throw new UnsupportedOperationException("pattern syntax '" + syntax + "' not supported (glob, regex)");
        };
        return p -> re.matcher(p.toString()).matches();
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return principals;
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException("an image has no change notifications");
    }

    @Override
    public String toString() {
        return image.name() + " (" + image.type() + ")";
    }
}
