package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import io.jrump.api.Stat;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rump stat IMAGE:PATH...}: a file's inode, as {@code stat(1)} shows it (times in UTC). */
@Command(name = "stat", description = "Show the inode of files in an image.")
final class StatCommand extends ImageCommand {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSSSS xx")
            .withZone(ZoneOffset.UTC);

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> paths;

    @Override
    void run(ImageSession session) throws ErrnoException {
        for (String p : paths) {
            ImageAddress a = address(p);
            ImageSide side = session.side(a, false);
            Stat s = side.lstat(a.path());
            String link = s.isSymlink() ? " -> " + side.readlink(a.path()) : "";
            out().println("  File: " + a + link);
            out().printf("  Size: %-15d Blocks: %-10d IO Block: %-6d %s%n", s.size(), s.blocks(), s.blksize(), type(s.mode()));
            out().printf("Device: %-14d Inode: %-11d Links: %d%n", s.dev(), s.ino(), s.nlink());
            out().printf("Access: (%04o/%s)  Uid: %d  Gid: %d%n", s.perms(), Modes.symbolic(s.mode()), s.uid(), s.gid());
            out().println("Access: " + TIME.format(s.atime()));
            out().println("Modify: " + TIME.format(s.mtime()));
            out().println("Change: " + TIME.format(s.ctime()));
        }
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
