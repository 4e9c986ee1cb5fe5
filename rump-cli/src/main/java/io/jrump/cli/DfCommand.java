package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.StatVfs;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rump df IMAGE...}: space and inodes of the file systems in images, as {@code df} shows them (1K blocks). */
@Command(name = "df", description = "Show free space and inodes of images.")
final class DfCommand extends ImageCommand {
    @Parameters(arity = "1..*", paramLabel = "IMAGE")
    List<String> images;

    @Override
    void run(ImageSession session) throws ErrnoException {
        out().printf("%-24s %-6s %10s %10s %10s %4s %9s %9s%n", "Filesystem", "Type", "1K-blocks", "Used", "Available", "Use%",
                "Inodes", "IFree");
        for (String i : images) {
            ImageAddress a = address(i);
            ImageSide side = session.side(a, false);
            StatVfs s = side.statvfs();
            long k = s.frsize() / 1024;
            long total = s.blocks() * k;
            long used = (s.blocks() - s.bfree()) * k;
            long avail = s.bavail() * k;
            long pct = used + avail == 0 ? 0 : (used * 100 + used + avail - 1) / (used + avail);
            out().printf("%-24s %-6s %10d %10d %10d %3d%% %9d %9d%n", a.imageName(), side.image().type(), total, used, avail, pct,
                    s.files(), s.ffree());
        }
    }
}
