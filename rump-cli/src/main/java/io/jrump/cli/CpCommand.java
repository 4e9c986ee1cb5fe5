package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rump cp [-r] [-p] SRC... DST}: copies between images and the host, either way or
 * image to image. An argument is in an image when it has the form {@code IMAGE:PATH} and
 * IMAGE is an existing file; anything else is a host path. As with {@code cp}, a DST that is
 * an existing directory receives the sources under their own names, and several sources need
 * such a directory.
 */
@Command(name = "cp", description = "Copy files between images and the host (IMAGE:PATH or a host path on either side).")
final class CpCommand extends ImageCommand {
    @Option(names = {"-r", "-R"}, description = "Copy directories recursively.")
    boolean recursive;

    @Option(names = "-p", description = "Keep access and modification times.")
    boolean preserve;

    @Parameters(arity = "2..*", paramLabel = "SRC... DST")
    List<String> args;

    /** One end: a side and a path on it. */
    private record End(FileSide side, String path) {
        String display() {
            return side.display(path);
        }
    }

    @Override
    void run(ImageSession session) throws ErrnoException {
        List<String> srcArgs = args.subList(0, args.size() - 1);
        String dstArg = args.get(args.size() - 1);
        ImageAddress dstImage = ImageAddress.parseEither(dstArg);
        boolean anyImage = dstImage != null;
        for (String s : srcArgs) {
            anyImage |= ImageAddress.parseEither(s) != null;
        }
        if (!anyImage) {
            throw usage("neither the sources nor " + dstArg + " are in an image (IMAGE:PATH with an existing IMAGE)");
        }
        End dst = end(session, dstArg, dstImage, true);
        List<End> sources = new ArrayList<>();
        for (String s : srcArgs) {
            sources.add(end(session, s, ImageAddress.parseEither(s), false));
        }
        boolean into = dst.side().exists(dst.path()) && dst.side().stat(dst.path()).isDirectory();
        if (sources.size() > 1 && !into) {
            throw new ErrnoException(Errno.ENOTDIR, "cp", dst.display(), "copying several files needs a directory");
        }
        long total = 0;
        for (End s : sources) {
            total += new TreeCopier(s.side(), dst.side(), recursive, preserve, null, this::problem).size(s.path());
        }
        ByteProgress progress = new ByteProgress(out(), "copying", total, showProgress());
        for (End s : sources) {
            String target = into ? FileSide.join(dst.path(), FileSide.baseName(s.path())) : dst.path();
            new TreeCopier(s.side(), dst.side(), recursive, preserve, progress, this::problem).copy(s.path(), target);
        }
        progress.done();
    }

    /** Opens the image of an image argument (the destination writable) or takes a host path as given. */
    private static End end(ImageSession session, String arg, ImageAddress a, boolean writable) throws ErrnoException {
        if (a != null) {
            return new End(session.side(a, writable), a.path());
        }
        return new End(new HostSide(), Path.of(arg).toAbsolutePath().normalize().toString());
    }
}
