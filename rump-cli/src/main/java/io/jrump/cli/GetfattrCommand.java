package io.jrump.cli;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rump getfattr [-d] [-n NAME] [-m PATTERN] [-e ENC] [-h] IMAGE:PATH...}: extended
 * attributes of files in an image, printed as {@code getfattr(1)} of the attr package prints
 * them ({@code # file: ...}, then {@code name="value"}), so the two outputs can be compared.
 * Without {@code -n}, names matching PATTERN are dumped (default {@code ^user\.}; {@code -m -}
 * for all). Every path is reported; one that fails is reported and the rest still shown.
 */
@Command(name = "getfattr", description = "Show extended attributes of files in an image, as getfattr(1).")
final class GetfattrCommand extends ImageCommand {
    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "Show this attribute only.")
    String name;

    @Option(names = {"-d", "--dump"}, description = "Show the values of all attributes matching the pattern.")
    boolean dump;

    @Option(names = {"-m", "--match"}, paramLabel = "PATTERN", description = "Names matching this regular expression (default ^user\\.; - for all).")
    String match;

    @Option(names = {"-e", "--encoding"}, paramLabel = "ENC",
            description = "Value encoding: text, hex or base64 (default: text, or base64 for values mostly not printable).")
    String encoding;

    @Option(names = {"-h", "--no-dereference"}, description = "Do not follow a last symbolic link.")
    boolean noDereference;

    @Option(names = "--only-values", description = "Print the bare value (with -n).")
    boolean onlyValues;

    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> paths;

    @Override
    void run(ImageSession session) throws ErrnoException {
        XattrValues.Encoding enc = encoding == null ? null
                : XattrValues.encoding(encoding).orElseThrow(() -> usage("-e " + encoding + ": expected text, hex or base64"));
        Pattern pattern = pattern();
        List<ImageAddress> addresses = paths.stream().map(this::address).toList();
        for (ImageAddress a : addresses) {
            try {
                show(session.side(a, false), a, enc, pattern);
            } catch (ErrnoException e) {
                problem(e);
            }
        }
    }

    private Pattern pattern() {
        String m = match == null ? "^user\\." : match.equals("-") ? "" : match;
        try {
            return Pattern.compile(m);
        } catch (PatternSyntaxException e) {
            throw usage("-m " + match + ": " + e.getDescription());
        }
    }

    private void show(ImageSide side, ImageAddress a, XattrValues.Encoding enc, Pattern pattern) throws ErrnoException {
        boolean follow = !noDereference;
        if (name != null) {
            byte[] v = side.getxattr(a.path(), name, follow);
            if (onlyValues) {
                out().print(new String(v, java.nio.charset.StandardCharsets.ISO_8859_1));
                return;
            }
            out().println("# file: " + a);
            out().println(name + "=" + XattrValues.encode(v, enc));
            out().println();
            return;
        }
        List<String> names = side.listxattr(a.path(), follow);
        List<String> shown = new ArrayList<>();
        for (String n : names) {
            if (pattern.matcher(n).find()) {
                shown.add(n);
            }
        }
        if (shown.isEmpty()) {
            return;
        }
        out().println("# file: " + a);
        for (String n : shown) {
            if (dump) {
                byte[] v;
                try {
                    v = side.getxattr(a.path(), n, follow);
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.ENODATA) {
                        continue; // removed since it was listed
                    }
                    throw e;
                }
                out().println(n + "=" + XattrValues.encode(v, enc));
            } else {
                out().println(n);
            }
        }
        out().println();
    }
}
