package io.jrump.cli;

import io.jrump.api.DeviceNumber;
import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rump stat IMAGE:PATH...}: a file's inode, as {@code stat(1)} shows it: times in UTC
 * with nanoseconds (any year a file system holds, 1901..2446 on ext4), a device node's major
 * and minor number.
 */
@Command(name = "stat", description = "Show the inode of files in an image.")
final class StatCommand extends ImageCommand {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSSSSS xx")
            .withZone(ZoneOffset.UTC);

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> paths;

    /** Every path is reported; one that fails is reported as an error and the rest still shown (exit 1 at the end), as stat(1) does. */
    @Override
    void run(ImageSession session) throws ErrnoException {
        List<ImageAddress> addresses = paths.stream().map(this::address).toList();
        for (ImageAddress a : addresses) {
            try {
                show(session, a);
            } catch (ErrnoException e) {
                problem(e);
            }
        }
    }

    private void show(ImageSession session, ImageAddress a) throws ErrnoException {
        ImageSide side = session.side(a, false);
        Stat s = side.lstat(a.path());
        String link = s.isSymlink() ? " -> " + side.readlink(a.path()) : "";
        out().println("  File: " + a + link);
        out().printf("  Size: %-15d Blocks: %-10d IO Block: %-6d %s%n", s.size(), s.blocks(), s.blksize(), type(s.mode()));
        String device = s.isDevice() ? "  Device type: " + DeviceNumber.major(s.rdev()) + "," + DeviceNumber.minor(s.rdev()) : "";
        out().printf("Device: %-14d Inode: %-11d Links: %d%s%n", s.dev(), s.ino(), s.nlink(), device);
        out().printf("Access: (%04o/%s)  Uid: %d  Gid: %d%n", s.perms(), Modes.symbolic(s.mode()), s.uid(), s.gid());
        out().println("Access: " + TIME.format(s.atime()));
        out().println("Modify: " + TIME.format(s.mtime()));
        out().println("Change: " + TIME.format(s.ctime()));
    }

    private static String type(int mode) {
        return switch (mode & FileMode.S_IFMT) {
            case FileMode.S_IFREG -> "regular file";
            case FileMode.S_IFDIR -> "directory";
            case FileMode.S_IFLNK -> "symbolic link";
            case FileMode.S_IFCHR -> "character special file";
            case FileMode.S_IFBLK -> "block special file";
            case FileMode.S_IFIFO -> "fifo";
            case FileMode.S_IFSOCK -> "socket";
            default -> "unknown type";
        };
    }
}
