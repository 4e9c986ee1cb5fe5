package io.jrump.fs.nio;

import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code toRealPath} for paths in an image: names looked up one by one with {@code lstat},
 * links read with {@code readlink} and spliced in, {@code ..} applied after links as the
 * kernel applies it. An absolute link target starts again at the image's root (see
 * {@link RumpFileSystemProvider} on absolute targets).
 */
final class RealPaths {
    /** Links followed before a loop is reported, as Linux's MAXSYMLINKS. */
    private static final int MAX_SYMLINKS = 40;

    private RealPaths() {
    }

    /**
     * The path with every name looked up and every link followed (unless asked not to), names
     * joined from the image's root. See the class comment about absolute link targets.
     */
    static RumpPath resolve(RumpPath path, LinkOption... options) throws IOException {
        boolean follow = !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
        RumpFileSystem fs = path.getFileSystem();
        Syscalls sys = fs.sys();
        List<String> todo = new ArrayList<>(names(path.toAbsolutePath()));
        List<String> done = new ArrayList<>();
        int links = 0;
        try {
            while (!todo.isEmpty()) {
                String name = todo.remove(0);
                if (name.equals(".")) {
                    continue;
                }
                if (name.equals("..")) {
                    if (!done.isEmpty()) {
                        done.remove(done.size() - 1);
                    }
                    continue;
                }
                done.add(name);
                String k = fs.image().path("/" + String.join("/", done));
                Stat st = sys.lstat(k);
                if (st.isSymlink() && (follow || !todo.isEmpty())) {
                    if (++links > MAX_SYMLINKS) {
                        throw new FileSystemException(path.toString(), null, "ELOOP (Too many levels of symbolic links)");
                    }
                    done.remove(done.size() - 1);
                    RumpPath target = fs.getPath(sys.readlink(k));
                    if (target.isAbsolute()) {
                        done.clear();
                    }
                    todo.addAll(0, names(target));
                }
            }
        } catch (ErrnoException e) {
            throw NioErrors.translate(e, path, null);
        }
        return fs.getPath("/" + String.join("/", done));
    }

    private static List<String> names(RumpPath p) {
        List<String> out = new ArrayList<>();
        for (Path n : p) {
            out.add(n.toString());
        }
        return out;
    }
}
