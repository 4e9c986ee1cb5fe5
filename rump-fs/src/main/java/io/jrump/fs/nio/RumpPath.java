package io.jrump.fs.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A path in an image: POSIX syntax, "/" the root of the image's file system. Purely lexical,
 * like the JDK's {@code UnixPath}: names are kept split, "." and ".." stay until
 * {@link #normalize}, and only {@link #toRealPath} asks the kernel.
 */
final class RumpPath implements Path {
    private final RumpFileSystem fs;
    private final boolean absolute;
    /** Never containing "" or "/". */
    private final String[] names;

    private RumpPath(RumpFileSystem fs, boolean absolute, String[] names) {
        this.fs = fs;
        this.absolute = absolute;
        this.names = names;
    }

    /** Parses {@code text}: repeated and trailing slashes collapse, as in POSIX. */
    static RumpPath parse(RumpFileSystem fs, String text) {
        if (text.indexOf('\0') >= 0) {
            throw new java.nio.file.InvalidPathException(text, "NUL character not allowed");
        }
        List<String> parts = new ArrayList<>();
        for (String s : text.split("/")) {
            if (!s.isEmpty()) {
                parts.add(s);
            }
        }
        return new RumpPath(fs, text.startsWith("/"), parts.toArray(new String[0]));
    }

    /** The path as the kernel sees it, whose root is the image: relative paths start at the image's root. */
    String kernelPath() {
        return fs.image().path(toAbsolutePath().toString());
    }

    @Override
    public RumpFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return absolute;
    }

    @Override
    public RumpPath getRoot() {
        return absolute ? new RumpPath(fs, true, new String[0]) : null;
    }

    @Override
    public RumpPath getFileName() {
        if (names.length == 0) {
            return absolute ? null : this;
        }
        return new RumpPath(fs, false, new String[] {names[names.length - 1]});
    }

    @Override
    public RumpPath getParent() {
        if (names.length == 0 || (names.length == 1 && !absolute)) {
            return null;
        }
        return new RumpPath(fs, absolute, Arrays.copyOf(names, names.length - 1));
    }

    @Override
    public int getNameCount() {
        return names.length == 0 && !absolute ? 1 : names.length;
    }

    @Override
    public RumpPath getName(int index) {
        if (names.length == 0 && !absolute && index == 0) {
            return this;
        }
        if (index < 0 || index >= names.length) {
            throw new IllegalArgumentException("name " + index + " of " + this);
        }
        return new RumpPath(fs, false, new String[] {names[index]});
    }

    @Override
    public RumpPath subpath(int beginIndex, int endIndex) {
        if (beginIndex < 0 || endIndex > names.length || beginIndex >= endIndex) {
            throw new IllegalArgumentException("subpath " + beginIndex + ".." + endIndex + " of " + this);
        }
        return new RumpPath(fs, false, Arrays.copyOfRange(names, beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        if (!(other instanceof RumpPath o) || o.fs != fs || o.absolute != absolute || o.names.length > names.length) {
            return false;
        }
        if (o.names.length == 0 && !o.absolute) {
            return names.length == 0; // the empty path starts only the empty path
        }
        return Arrays.equals(names, 0, o.names.length, o.names, 0, o.names.length);
    }

    @Override
    public boolean endsWith(Path other) {
        if (!(other instanceof RumpPath o) || o.fs != fs || o.names.length > names.length) {
            return false;
        }
        if (o.absolute) {
            return absolute && Arrays.equals(names, o.names);
        }
        if (o.names.length == 0) {
            return names.length == 0 && !absolute;
        }
        int from = names.length - o.names.length;
        return Arrays.equals(names, from, names.length, o.names, 0, o.names.length);
    }

    @Override
    public RumpPath normalize() {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals(".")) {
                continue;
            }
            if (n.equals("..")) {
                if (!out.isEmpty() && !out.get(out.size() - 1).equals("..")) {
                    out.remove(out.size() - 1);
                    continue;
                }
                if (absolute) {
                    continue; // "/.." is "/"
                }
            }
            out.add(n);
        }
        return new RumpPath(fs, absolute, out.toArray(new String[0]));
    }

    @Override
    public RumpPath resolve(Path other) {
        RumpPath o = check(other);
        if (o.absolute) {
            return o;
        }
        if (o.names.length == 0) {
            return this;
        }
        String[] joined = Arrays.copyOf(names, names.length + o.names.length);
        System.arraycopy(o.names, 0, joined, names.length, o.names.length);
        return new RumpPath(fs, absolute, joined);
    }

    @Override
    public RumpPath resolve(String other) {
        return resolve(parse(fs, other));
    }

    @Override
    public RumpPath relativize(Path other) {
        RumpPath o = check(other);
        if (o.absolute != absolute) {
            throw new IllegalArgumentException("'" + other + "' and '" + this + "': one is absolute, the other not");
        }
        int common = 0;
        while (common < names.length && common < o.names.length && names[common].equals(o.names[common])) {
            common++;
        }
        List<String> out = new ArrayList<>();
        for (int i = common; i < names.length; i++) {
            out.add("..");
        }
        out.addAll(Arrays.asList(o.names).subList(common, o.names.length));
        return new RumpPath(fs, false, out.toArray(new String[0]));
    }

    /** {@code rump:file:///path/disk.img!/dir/file}: see {@link ImageUri}. */
    @Override
    public URI toUri() {
        return ImageUri.of(fs.imageFile(), toAbsolutePath().toString());
    }

    @Override
    public RumpPath toAbsolutePath() {
        return absolute ? this : new RumpPath(fs, true, names);
    }

    @Override
    public RumpPath toRealPath(LinkOption... options) throws IOException {
        return RealPaths.resolve(this, options);
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("an image has no change notifications");
    }

    @Override
    public int compareTo(Path other) {
        return toString().compareTo(check(other).toString());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RumpPath p && p.fs == fs && p.absolute == absolute && Arrays.equals(p.names, names);
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(fs), absolute, Arrays.hashCode(names));
    }

    @Override
    public String toString() {
        String joined = String.join("/", names);
        return absolute ? "/" + joined : joined;
    }

    private RumpPath check(Path other) {
        if (!(Objects.requireNonNull(other, "other") instanceof RumpPath o) || o.fs != fs) {
            throw new ProviderMismatchException("not a path of " + fs + ": " + other);
        }
        return o;
    }
}
