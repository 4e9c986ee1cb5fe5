package io.jrump.net.http;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.OpenFlags;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers one parsed request from the kernel's VFS: GET and HEAD of regular files (with
 * conditional requests and single byte ranges), directories (their {@code index.html}, else a
 * listing; a directory named without its trailing slash is redirected to it), and errors for
 * everything else. Files are opened through {@code files}, a process of the server's
 * credentials, so the VFS's permission checks decide 403 as they would for any process.
 */
final class FileHandler {
    private static final String INDEX = "index.html";

    /** Bound on {@link #fields}: past it the cache starts over (a tree of more files costs the formatting again, nothing else). */
    static final int FIELDS_CACHED = 4096;

    private final Syscalls files;
    private final String root;
    private final HttpOptions options;
    /**
     * The validator and descriptive fields of each file served, by kernel path, kept while the
     * file's inode, size and modification time stay the same (checked against the stat of
     * every request): formatting them anew for every request of a small file costs as much as
     * reading it.
     */
    private final ConcurrentHashMap<String, FileFields> fields = new ConcurrentHashMap<>();

    /** A file's ETag, Last-Modified and Content-Type, as of its identity, size and time. */
    private record FileFields(long ino, long size, long mtimeNanos, String etag, String lastModified, String contentType) {
        boolean describes(Stat st) {
            return st.ino() == ino && st.size() == size && nanos(st) == mtimeNanos;
        }
    }

    /** @param root the served directory's kernel path ("/" or "/srv", no trailing slash unless it is "/") */
    FileHandler(Syscalls files, String root, HttpOptions options) {
        this.files = files;
        this.root = root.equals("/") ? "" : root;
        this.options = options;
    }

    void handle(RequestHead head, Response r) {
        String method = head.method();
        boolean isHead = method.equals("HEAD");
        if (!isHead && !method.equals("GET")) {
            r.error(Status.METHOD_NOT_ALLOWED, method + " is not served");
            r.header("Allow", "GET, HEAD");
            return;
        }
        r.headOnly = isHead;
        String path;
        try {
            path = RequestTarget.path(head.target(), head.header("host"), options.hostNames());
        } catch (HttpError e) {
            r.error(e.status(), e.getMessage());
            r.close = true;
            return;
        }
        String kernelPath = root + path;
        try {
            Stat st = files.stat(kernelPath);
            if (st.isDirectory()) {
                if (!path.endsWith("/")) {
                    r.status = Status.MOVED_PERMANENTLY;
                    r.header("Location", RequestTarget.encode(path + "/"));
                    r.body = new byte[0];
                    return;
                }
                Stat index = indexOf(kernelPath);
                if (index != null) {
                    sendFile(head, r, kernelPath + INDEX, index);
                } else {
                    r.status = Status.OK;
                    r.body = DirectoryListing.html(files, kernelPath, path);
                    r.header("Content-Type", "text/html; charset=utf-8");
                }
                return;
            }
            if (!st.isRegularFile()) {
                r.error(Status.FORBIDDEN, "not a regular file");
                return;
            }
            if (path.endsWith("/")) {
                r.error(Status.NOT_FOUND, null); // a file named as a directory: ENOTDIR on Linux
                return;
            }
            sendFile(head, r, kernelPath, st);
        } catch (ErrnoException e) {
            errnoResponse(e, r);
        }
    }

    private Stat indexOf(String dir) throws ErrnoException {
        try {
            Stat st = files.stat(dir + INDEX);
            return st.isRegularFile() ? st : null;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    private static void errnoResponse(ErrnoException e, Response r) {
        switch (e.errno()) {
            case ENOENT, ENOTDIR, ELOOP -> r.error(Status.NOT_FOUND, null);
            case EACCES, EPERM -> r.error(Status.FORBIDDEN, null);
            case ENAMETOOLONG -> r.error(Status.URI_TOO_LONG, null);
            default -> r.error(Status.INTERNAL_ERROR, e.errno().name());
        }
    }

    private FileFields fieldsOf(String kernelPath, Stat st) {
        FileFields f = fields.get(kernelPath);
        if (f == null || !f.describes(st)) {
            f = new FileFields(st.ino(), st.size(), nanos(st), etag(st), HttpDates.format(st.mtime().getEpochSecond()), ContentTypes.of(kernelPath));
            if (fields.size() >= FIELDS_CACHED) {
                fields.clear();
            }
            fields.put(kernelPath, f);
        }
        return f;
    }

    private void sendFile(RequestHead head, Response r, String kernelPath, Stat st) throws ErrnoException {
        FileFields f = fieldsOf(kernelPath, st);
        String etag = f.etag;
        long mtime = st.mtime().getEpochSecond();
        if (notModified(head, etag, mtime)) {
            r.status = Status.NOT_MODIFIED;
            r.header("ETag", etag).header("Last-Modified", f.lastModified);
            r.headOnly = true;
            return;
        }
        int fd = files.open(kernelPath, OpenFlags.O_RDONLY);
        r.fileFd = fd;
        Stat opened = files.fstat(fd); // what is sent is what was opened, even if the name changed meanwhile
        if (!f.describes(opened)) {
            f = fieldsOf(kernelPath, opened);
            etag = f.etag;
            mtime = opened.mtime().getEpochSecond();
        }
        long size = opened.size();
        ByteRange range = head.method().equals("GET") && rangeApplies(head, etag, mtime) ? ByteRange.parse(head.header("range"), size) : null;
        r.header("Content-Type", f.contentType).header("Last-Modified", f.lastModified)
                .header("ETag", etag).header("Accept-Ranges", "bytes");
        if (range == ByteRange.UNSATISFIABLE) {
            files.close(fd);
            r.fileFd = -1;
            r.headers.setLength(0);
            r.error(Status.RANGE_NOT_SATISFIABLE, "the file has " + size + " bytes");
            r.header("Content-Range", "bytes */" + size);
            return;
        }
        if (range != null) {
            r.status = Status.PARTIAL_CONTENT;
            r.header("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + size);
            r.fileOffset = range.first();
            r.fileLength = range.length();
        } else {
            r.status = Status.OK;
            r.fileOffset = 0;
            r.fileLength = size;
        }
    }

    /** RFC 9110 13.2.2: If-None-Match first (weak comparison), If-Modified-Since only without it. */
    private static boolean notModified(RequestHead head, String etag, long mtime) {
        String inm = head.header("if-none-match");
        if (inm != null) {
            for (String t : inm.split(",")) {
                String tag = t.trim();
                if (tag.equals("*") || weakEquals(tag, etag)) {
                    return true;
                }
            }
            return false;
        }
        long since = HttpDates.parse(head.header("if-modified-since"));
        return since != Long.MIN_VALUE && mtime <= since;
    }

    /** RFC 9110 13.1.5: a Range is used only when If-Range (if any) names the current version (strong comparison or an exact date). */
    private static boolean rangeApplies(RequestHead head, String etag, long mtime) {
        String ifRange = head.header("if-range");
        if (ifRange == null) {
            return true;
        }
        String v = ifRange.trim();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            return v.equals(etag);
        }
        return HttpDates.parse(v) == mtime;
    }

    private static boolean weakEquals(String a, String b) {
        return strip(a).equals(strip(b));
    }

    private static String strip(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    /** Reads file data for the connection, with the handler's credentials' descriptors. */
    int pread(int fd, java.nio.ByteBuffer dst, long pos) throws ErrnoException {
        return files.pread(fd, dst, pos);
    }

    void close(int fd) {
        try {
            files.close(fd);
        } catch (ErrnoException | io.jrump.api.KernelClosedException e) {
            // a read-only file: nothing is lost
        }
    }

    /** A strong validator from the file's identity, size and change time (nanoseconds), as nginx derives its from mtime and size. */
    static String etag(Stat st) {
        return "\"" + Long.toHexString(st.ino()) + "-" + Long.toHexString(st.size()) + "-" + Long.toHexString(nanos(st)) + "\"";
    }

    private static long nanos(Stat st) {
        return st.mtime().getEpochSecond() * 1_000_000_000L + st.mtime().getNano();
    }
}
