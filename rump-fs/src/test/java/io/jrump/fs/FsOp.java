package io.jrump.fs;

import static io.jrump.api.OpenFlags.O_CREAT;
import static io.jrump.api.OpenFlags.O_RDONLY;
import static io.jrump.api.OpenFlags.O_WRONLY;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.Stat;
import io.jrump.api.Syscalls;
import io.jrump.fs.FsModel.Dir;
import io.jrump.fs.FsModel.Failure;
import io.jrump.fs.FsModel.File;
import io.jrump.fs.FsModel.Link;
import io.jrump.fs.FsModel.Node;
import io.jrump.fs.FsModel.Place;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * One step of a random test: an operation with its arguments, which can run on a real file
 * system (through the system calls) and on the {@link FsModel}; each side describes the
 * outcome as a string ("ok", "ENOENT", "stat reg size=5 nlink=1 perms=644", the data read),
 * and the test compares the two.
 */
record FsOp(Kind kind, String a, String b, long x, long y) {
    enum Kind {
        CREATE, WRITE, TRUNCATE, READ, STAT, MKDIR, RMDIR, UNLINK, LINK, SYMLINK, RENAME, CHMOD
    }

    private static final String[] NAMES = {"a", "b", "c", "d"};
    /** How often each kind is drawn: data operations more than name operations, so files get content worth checking. */
    private static final Kind[] WEIGHTED = {
        Kind.CREATE, Kind.CREATE, Kind.WRITE, Kind.WRITE, Kind.WRITE, Kind.TRUNCATE, Kind.TRUNCATE, Kind.READ, Kind.READ,
        Kind.STAT, Kind.MKDIR, Kind.MKDIR, Kind.RMDIR, Kind.UNLINK, Kind.LINK, Kind.SYMLINK, Kind.RENAME, Kind.RENAME, Kind.CHMOD};
    private static final int PAGE = 4096;

    /** A random operation on paths of up to three components from a small set of names, so that operations collide. */
    static FsOp random(Random rnd, String mountPoint) {
        Kind k = WEIGHTED[rnd.nextInt(WEIGHTED.length)];
        String p = path(rnd);
        return switch (k) {
            case WRITE -> new FsOp(k, p, null, offset(rnd), rnd.nextInt(2 * PAGE + 2));
            case TRUNCATE -> new FsOp(k, p, null, offset(rnd), 0);
            case LINK, RENAME -> new FsOp(k, p, path(rnd), 0, 0);
            case SYMLINK -> new FsOp(k, rnd.nextBoolean() ? NAMES[rnd.nextInt(NAMES.length)] : abs(mountPoint, path(rnd)), p, 0, 0);
            case CHMOD -> new FsOp(k, p, null, rnd.nextInt(01000), 0);
            default -> new FsOp(k, p, null, 0, 0);
        };
    }

    private static String path(Random rnd) {
        int r = rnd.nextInt(20);
        int depth = r < 10 ? 1 : r < 17 ? 2 : 3;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(NAMES[rnd.nextInt(NAMES.length)]);
        }
        return sb.toString();
    }

    private static long offset(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(100);
            case 2 -> rnd.nextInt(4 * PAGE);
            default -> PAGE * (long) rnd.nextInt(6) - rnd.nextInt(2);
        };
    }

    private static String abs(String mountPoint, String rel) {
        return mountPoint.equals("/") ? "/" + rel : mountPoint + "/" + rel;
    }

    /** The bytes a WRITE writes: determined by its arguments, so model and system agree. */
    private byte[] payload() {
        byte[] data = new byte[(int) y];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (x * 7 + i * 13 + 1);
        }
        return data;
    }

    // ---- the real system ----

    String run(Syscalls sys, String mp) {
        String pa = abs(mp, a);
        try {
            switch (kind) {
                case CREATE -> sys.close(sys.open(pa, O_CREAT | O_WRONLY, 0644));
                case WRITE -> {
                    int fd = sys.open(pa, O_WRONLY);
                    try {
                        int n = sys.pwrite(fd, ByteBuffer.wrap(payload()), x);
                        if (n != y) {
                            return "short write " + n;
                        }
                    } finally {
                        sys.close(fd);
                    }
                }
                case TRUNCATE -> sys.truncate(pa, x);
                case READ -> {
                    if (sys.stat(pa).isDirectory()) {
                        return "names " + FsAssert.names(sys, pa).stream().sorted().toList();
                    }
                    return data(FsAssert.readFile(sys, pa));
                }
                case STAT -> {
                    return stat(sys.lstat(pa));
                }
                case MKDIR -> sys.mkdir(pa, 0755);
                case RMDIR -> sys.rmdir(pa);
                case UNLINK -> sys.unlink(pa);
                case LINK -> sys.link(pa, abs(mp, b));
                case SYMLINK -> sys.symlink(a, abs(mp, b));
                case RENAME -> sys.rename(pa, abs(mp, b));
                case CHMOD -> sys.chmod(pa, (int) x);
                default -> throw new IllegalStateException(kind.name());
            }
            return "ok";
        } catch (ErrnoException e) {
            return e.errno().name();
        }
    }

    private static String stat(Stat st) {
        String type = st.isDirectory() ? "dir" : st.isSymlink() ? "lnk" : "reg";
        String size = st.isDirectory() ? "" : " size=" + st.size();
        return "stat " + type + size + " nlink=" + st.nlink() + " perms=" + Integer.toOctalString(st.perms());
    }

    private static String data(byte[] d) {
        return "data len=" + d.length + " hash=" + Arrays.hashCode(d);
    }

    // ---- the model ----

    String model(FsModel m) {
        try {
            switch (kind) {
                case CREATE -> create(m);
                case WRITE -> {
                    File f = writable(m.resolve(a, true));
                    if (x < 0) {
                        throw new Failure(Errno.EINVAL);
                    }
                    f.write(x, payload());
                }
                case TRUNCATE -> {
                    if (x < 0) {
                        throw new Failure(Errno.EINVAL);
                    }
                    writable(m.resolve(a, true)).truncate(x);
                }
                case READ -> {
                    Node n = m.resolve(a, true);
                    if (n instanceof Dir d) {
                        return "names " + d.entries.keySet().stream().sorted().toList();
                    }
                    return data(((File) n).data);
                }
                case STAT -> {
                    Node n = m.resolve(a, false);
                    if (n instanceof Dir d) {
                        return "stat dir nlink=" + (2 + d.subdirs()) + " perms=" + Integer.toOctalString(n.perms);
                    }
                    if (n instanceof Link l) {
                        return "stat lnk size=" + l.target.length() + " nlink=" + l.nlink + " perms=777";
                    }
                    File f = (File) n;
                    return "stat reg size=" + f.data.length + " nlink=" + f.nlink + " perms=" + Integer.toOctalString(f.perms);
                }
                case MKDIR -> {
                    Place p = m.parent(a);
                    absent(p);
                    p.dir().entries.put(p.name(), new Dir(p.dir(), 0755));
                }
                case RMDIR -> {
                    Place p = m.parent(a);
                    Node n = present(p);
                    if (!(n instanceof Dir d)) {
                        throw new Failure(Errno.ENOTDIR);
                    }
                    if (!d.entries.isEmpty()) {
                        throw new Failure(Errno.ENOTEMPTY);
                    }
                    p.dir().entries.remove(p.name());
                }
                case UNLINK -> {
                    Place p = m.parent(a);
                    Node n = present(p);
                    if (n instanceof Dir) {
                        throw new Failure(Errno.EISDIR);
                    }
                    p.dir().entries.remove(p.name());
                    n.nlink--;
                }
                case LINK -> {
                    Node n = m.resolve(a, false);
                    if (n instanceof Dir) {
                        throw new Failure(Errno.EPERM);
                    }
                    Place p = m.parent(b);
                    absent(p);
                    p.dir().entries.put(p.name(), n);
                    n.nlink++;
                }
                case SYMLINK -> {
                    Place p = m.parent(b);
                    absent(p);
                    p.dir().entries.put(p.name(), new Link(a));
                }
                case RENAME -> rename(m);
                case CHMOD -> m.resolve(a, true).perms = (int) x;
                default -> throw new IllegalStateException(kind.name());
            }
            return "ok";
        } catch (Failure f) {
            return f.errno.name();
        }
    }

    private void create(FsModel m) throws Failure {
        Place p = m.parent(a);
        int[] hops = new int[1];
        Node n = p.node();
        while (n instanceof Link l) {
            p = m.linkTarget(p.dir(), l, hops);
            n = p.node();
        }
        if (n instanceof Dir) {
            throw new Failure(Errno.EISDIR);
        }
        if (n == null) {
            p.dir().entries.put(p.name(), new File(0644));
        }
    }

    private static File writable(Node n) throws Failure {
        if (n instanceof Dir) {
            throw new Failure(Errno.EISDIR);
        }
        return (File) n;
    }

    private static void absent(Place p) throws Failure {
        if (p.node() != null) {
            throw new Failure(Errno.EEXIST);
        }
    }

    private static Node present(Place p) throws Failure {
        Node n = p.node();
        if (n == null) {
            throw new Failure(Errno.ENOENT);
        }
        return n;
    }

    private void rename(FsModel m) throws Failure {
        Place from = m.parent(a);
        Place to = m.parent(b);
        Node source = present(from);
        if (source instanceof Dir sd && FsModel.isAncestorOrSelf(sd, to.dir())) {
            throw new Failure(Errno.EINVAL);
        }
        Node target = to.node();
        if (target == source) {
            return;
        }
        if (source instanceof Dir) {
            if (target != null && !(target instanceof Dir)) {
                throw new Failure(Errno.ENOTDIR);
            }
        } else if (target instanceof Dir) {
            throw new Failure(Errno.EISDIR);
        }
        if (target instanceof Dir td && !td.entries.isEmpty()) {
            throw new Failure(Errno.ENOTEMPTY);
        }
        if (target != null) {
            target.nlink--;
        }
        from.dir().entries.remove(from.name());
        to.dir().entries.put(to.name(), source);
        if (source instanceof Dir sd) {
            sd.parent = to.dir();
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case WRITE -> "WRITE " + a + " @" + x + " len " + y;
            case TRUNCATE -> "TRUNCATE " + a + " " + x;
            case CHMOD -> "CHMOD " + a + " " + Long.toOctalString(x);
            case LINK, RENAME, SYMLINK -> kind + " " + a + " " + b;
            default -> kind + " " + a;
        };
    }
}
