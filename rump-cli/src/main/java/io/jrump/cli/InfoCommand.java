package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.StatVfs;
import io.jrump.measure.Units;
import io.jrump.api.BlockDevice;
import io.jrump.dev.part.Partition;
import io.jrump.dev.part.PartitionTable;
import io.jrump.fs.nio.FsType;
import io.jrump.fs.nio.FsTypes;
import io.jrump.fs.nio.MountedImage;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rump info IMAGE}: what an image holds: its partition table (if any), then the file
 * system's type, label and figures. The image may be a {@code vhost-user-blk:SOCKET} device. A whole-disk image with partitions but no file system of
 * its own shows the table, with each partition's file system.
 */
@Command(name = "info", description = "Summarise an image: partitions, file system type, label, space and inodes.")
final class InfoCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "IMAGE")
    String imageArg;

    @Override
    void run(ImageSession session) throws ErrnoException {
        ImageAddress a = address(imageArg);
        boolean partitionsOnly;
        // one open and one read of the table: each partition is probed through the table in hand
        try (BlockDevice disk = session.disk(a, false)) {
            out().println("image:       " + a.image() + " (" + Units.bytes(disk.size()) + ", " + disk.size() + " bytes)");
            PartitionTable table = PartitionTable.read(disk, a.image().toString());
            if (table.scheme() != PartitionTable.Scheme.NONE) {
                out().println("partitions:  " + table.scheme().name().toLowerCase(Locale.ROOT));
                for (Partition p : table.partitions()) {
                    FsType t = FsTypes.detect(p.open(disk, a.image() + "@" + p.number()));
                    out().printf("  %2d  sectors %d-%d (%s)  type %s%s  %s%n", p.number(), p.start(), p.end() - 1,
                            Units.bytes(p.sectors() * 512.0), p.type(), p.name().isEmpty() ? "" : " \"" + p.name() + "\"",
                            t == null ? "-" : t.name() + (t.label().isEmpty() ? "" : " '" + t.label() + "'"));
                }
                for (String note : table.notes()) {
                    out().println("  note: " + note);
                }
            }
            partitionsOnly = a.partition() == 0 && table.scheme() != PartitionTable.Scheme.NONE && FsTypes.detect(disk) == null;
        }
        if (partitionsOnly) {
            out().println("file system: none on the whole disk; name a partition as " + a.image() + "@N");
            return;
        }
        ImageSide side = session.side(a, false);
        StatVfs s = side.statvfs();
        MountedImage m = side.image();
        if (m.type() == null) {
            throw new ErrnoException(Errno.EINVAL, "info", a.toString(), "no file system type");
        }
        out().println("file system: " + m.type() + (a.partition() > 0 ? " on partition " + a.partition() : "")
                + (m.label().isEmpty() ? "" : ", label '" + m.label() + "'"));
        out().println("block size:  " + s.frsize());
        out().println("blocks:      " + s.blocks() + " total, " + s.bfree() + " free, " + s.bavail() + " available ("
                + Units.bytes((double) s.bavail() * s.frsize()) + ")");
        out().println("inodes:      " + s.files() + " total, " + s.ffree() + " free");
        out().println("name max:    " + s.namemax());
    }
}
