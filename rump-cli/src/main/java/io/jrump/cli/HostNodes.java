package io.jrump.cli;

import io.jrump.api.DeviceNumber;
import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the JDK cannot do to the host's files, done another way: FIFOs and device nodes
 * (coreutils' {@code mknod}, as Java has no mknod(2)), sockets (binding a Unix-domain socket
 * leaves its node behind, which is all {@code cp} makes of one), and times outside 1970..2262
 * (JDK 17 passes times to utimensat as nanoseconds in a {@code long}, saturating after 2262
 * and refusing before 1970, so coreutils' {@code touch -d @SECONDS.NANOS} sets those).
 * A failure comes back as the errno the tool reported.
 */
final class HostNodes {
    /** The latest time the JDK passes on exactly: Long.MAX_VALUE nanoseconds after the epoch (2262-04-11). */
    private static final Instant JDK_LATEST = Instant.ofEpochSecond(0, Long.MAX_VALUE);

    private HostNodes() {
    }

    /** Whether the JDK sets {@code t} on the host as it is. */
    static boolean jdkCanSet(Instant t) {
        return !t.isBefore(Instant.EPOCH) && t.isBefore(JDK_LATEST);
    }

    /** Makes a FIFO, socket or device node of {@code mode}'s type; the caller sets the permission bits after. */
    static void mknod(String path, int mode, long rdev) throws ErrnoException {
        int type = mode & FileMode.S_IFMT;
        switch (type) {
            case FileMode.S_IFIFO -> run("mknod", path, List.of("mknod", path, "p"));
            case FileMode.S_IFCHR, FileMode.S_IFBLK -> run("mknod", path, List.of("mknod", path, type == FileMode.S_IFCHR ? "c" : "b",
                    Long.toString(DeviceNumber.major(rdev)), Long.toString(DeviceNumber.minor(rdev))));
            case FileMode.S_IFSOCK -> socket(path);
            default -> throw new ErrnoException(Errno.EINVAL, "mknod", path, "not a special file type: " + Integer.toOctalString(type));
        }
    }

    /** A socket node: bound, then closed, which leaves the node (as a server that exited does). */
    private static void socket(String path) throws ErrnoException {
        if (Files.exists(Path.of(path), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new ErrnoException(Errno.EEXIST, "mknod", path, null);
        }
        try (ServerSocketChannel ch = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException | IllegalArgumentException | UnsupportedOperationException e) {
            // a path longer than sun_path (108 bytes) or a host without Unix-domain sockets
            throw new ErrnoException(Errno.EOPNOTSUPP, "mknod", path, "cannot make a socket here: " + e.getMessage());
        }
    }

    /** Sets one or both times (null: leave) with {@code touch -c}, of a symbolic link itself when {@code follow} is false. */
    static void touch(String path, Instant atime, Instant mtime, boolean follow) throws ErrnoException {
        for (int i = 0; i < 2; i++) {
            Instant t = i == 0 ? atime : mtime;
            if (t == null) {
                continue;
            }
            List<String> cmd = new ArrayList<>(List.of("touch", "-c", i == 0 ? "-a" : "-m", "-d", "@" + seconds(t)));
            if (!follow) {
                cmd.add("-h");
            }
            cmd.add("--");
            cmd.add(path);
            run("utimes", path, cmd);
        }
    }

    /** {@code SECONDS.NANOS} for touch's {@code @} form; seconds may be negative, nanoseconds count forward. */
    static String seconds(Instant t) {
        return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
    }

    private static void run(String call, String path, List<String> cmd) throws ErrnoException {
        if (HostTools.find(cmd.get(0)).isEmpty()) {
            throw new ErrnoException(Errno.EOPNOTSUPP, call, path, HostTools.notInstalled(cmd.get(0), "coreutils"));
        }
        int status;
        String out;
        try {
            Process p = HostTools.processBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                out = cmd.get(0) + " timed out";
            }
            status = p.isAlive() ? -1 : p.exitValue();
        } catch (IOException e) {
            throw new ErrnoException(Errno.EIO, call, path, "cannot run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ErrnoException(Errno.EINTR, call, path, cmd.get(0) + " interrupted");
        }
        if (status != 0) {
            Errno errno = errnoOf(out);
            // the tool's message is the errno's text after the path, which the exception says already
            throw new ErrnoException(errno, call, path, errno == Errno.EIO ? out : null);
        }
    }

    /** The errno behind a coreutils message ("mknod: 'x': Operation not permitted"). */
    private static Errno errnoOf(String message) {
        for (Errno e : Errno.values()) {
            if (message.endsWith(e.description())) {
                return e;
            }
        }
        return Errno.EIO;
    }
}
