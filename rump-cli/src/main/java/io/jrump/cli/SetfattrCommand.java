package io.jrump.cli;

import io.jrump.api.ErrnoException;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rump setfattr -n NAME [-v VALUE] | -x NAME [-h] IMAGE:PATH...}: sets or removes an
 * extended attribute of files in an image, as {@code setfattr(1)}; VALUE is written as
 * setfattr takes it: {@code 0x...} hex, {@code 0s...} base64, {@code "..."} quoted text,
 * anything else as text (no VALUE: empty).
 */
@Command(name = "setfattr", description = "Set (-n NAME -v VALUE) or remove (-x NAME) an extended attribute of files in an image, as setfattr(1).")
final class SetfattrCommand extends ImageCommand {
    static final class What {
        @Option(names = {"-n", "--name"}, paramLabel = "NAME", required = true, description = "The attribute to set (user.x, trusted.x, security.x).")
        String set;

        @Option(names = {"-x", "--remove"}, paramLabel = "NAME", required = true, description = "The attribute to remove.")
        String remove;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Option(names = {"-v", "--value"}, paramLabel = "VALUE", description = "The value: text, \"quoted text\", 0x hex or 0s base64.")
    String value;

    @Option(names = {"-h", "--no-dereference"}, description = "Do not follow a last symbolic link.")
    boolean noDereference;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> paths;

    @Override
    void run(ImageSession session) throws ErrnoException {
        if (what.remove != null && value != null) {
            throw usage("-v goes with -n, not with -x");
        }
        byte[] v = null;
        if (what.set != null) {
            v = XattrValues.decode(value == null ? "" : value).orElseThrow(() -> usage("-v " + value + ": malformed hex or base64"));
        }
        boolean follow = !noDereference;
        List<ImageAddress> addresses = paths.stream().map(this::address).toList();
        for (ImageAddress a : addresses) {
            try {
                ImageSide side = session.side(a, true);
                if (what.set != null) {
                    side.setxattr(a.path(), what.set, v, follow);
                } else {
                    side.removexattr(a.path(), what.remove, follow);
                }
            } catch (ErrnoException e) {
                problem(e);
            }
        }
    }
}
