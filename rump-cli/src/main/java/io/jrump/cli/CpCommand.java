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
 * {@code rump cp [-r] [-p] [-a] SRC... DST}: copies between images and the host, either way or
 * image to image. An argument is in an image when it has the form {@code IMAGE:PATH} and
 * IMAGE is an existing file; anything else is a host path. As with {@code cp}, a DST that is
 * an existing directory receives the sources under their own names (a source written
 * {@code DIR/.} gives it DIR's contents instead, as GNU cp does: {@code rump cp -a rootfs/. disk.img:/}
 * fills an image's root), and several sources need such a directory.
 */
@Command(name = "cp", description = "Copy files between images and the host (IMAGE:PATH or a host path on either side).")
final class CpCommand extends ImageCommand {
    @Option(names = {"-r", "-R"}, description = "Copy directories recursively.")
    boolean recursive;

    @Option(names = "-p", description = "Keep modes (set-id bits too) and access and modification times; without it, what the copy"
            + " makes takes the source's permission bits less the umask, as with cp.")
    boolean preserve;

    @Option(names = "-a", description = "Archive, as cp -a and mke2fs -d: copy recursively, keeping symbolic links as links,"
            + " hard links as links, FIFOs, sockets and device nodes, modes, owners (on the host: when root), times and"
            + " extended attributes.")
    boolean archive;

    @Option(names = "--xattrs", description = "Copy extended attributes too (all namespaces between images; user.* to and from the host)."
            + " -a copies them as well, without complaining where the destination keeps none.")
    boolean xattrs;

    @Parameters(arity = "2..*", paramLabel = "SRC... DST", hideParamSyntax = true,
            description = "One or more sources, then the destination (a directory when there are several sources).")
    List<String> args;

    /** One end: a side and a path on it; {@code contents}: written {@code DIR/.}, which copies what is in DIR, not DIR under its name. */
    private record End(FileSide side, String path, boolean contents) {
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
        TreeCopier.Options options = new TreeCopier.Options(recursive, preserve, archive, xattrs);
        long total = 0;
        boolean shown = showProgress();
        // the total is for the progress line only: without one, no walk of the sources beforehand (it would lstat every file twice)
        for (End s : shown ? sources : List.<End>of()) {
            total += new TreeCopier(s.side(), dst.side(), options, null, this::problem).size(s.path());
        }
        ByteProgress progress = new ByteProgress(out(), "copying", total, shown);
        for (End s : sources) {
            String target = into && !s.contents() ? FileSide.join(dst.path(), FileSide.baseName(s.path())) : dst.path();
            new TreeCopier(s.side(), dst.side(), options, progress, this::problem).copy(s.path(), target);
        }
        progress.done();
    }

    /** Opens the image of an image argument (the destination writable) or takes a host path as given. */
    private static End end(ImageSession session, String arg, ImageAddress a, boolean writable) throws ErrnoException {
        boolean contents = arg.equals(".") || arg.endsWith("/.");
        if (a != null) {
            return new End(session.side(a, writable), a.path(), contents);
        }
        return new End(new HostSide(), Path.of(arg).toAbsolutePath().normalize().toString(), contents);
    }
}
