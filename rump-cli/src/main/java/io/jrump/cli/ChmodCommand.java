package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.FileMode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code rump chmod MODE IMAGE:PATH...}: sets permission bits, MODE in octal (755, 0644, 4755). */
@Command(name = "chmod", description = "Change permission bits (octal MODE) in an image.")
final class ChmodCommand extends ImageCommand {
    @Parameters(index = "0", paramLabel = "MODE")
    String mode;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> paths;

    @Override
    void run(ImageSession session) throws ErrnoException {
        int bits;
        try {
            bits = Integer.parseInt(mode, 8);
        } catch (NumberFormatException e) {
            throw usage("MODE '" + mode + "': expected octal digits such as 755 or 0644");
        }
        if (bits < 0 || bits > FileMode.ALLPERMS) {
            throw usage("MODE '" + mode + "': larger than 7777");
        }
        for (String p : paths) {
            ImageAddress a = address(p);
            session.side(a, true).chmod(a.path(), bits);
        }
    }
}
