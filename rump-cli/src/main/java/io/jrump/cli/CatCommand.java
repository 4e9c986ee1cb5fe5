package io.jrump.cli;

import io.jrump.api.ErrnoException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code rump cat IMAGE:PATH...}: writes files of an image to standard output. The bytes go
 * to {@code System.out} itself, not through picocli's character writer, so binary files come
 * out unchanged.
 */
@Command(name = "cat", description = "Write files of an image to standard output.")
final class CatCommand extends ImageCommand {
    @Parameters(arity = "1..*", paramLabel = "IMAGE:PATH")
    List<String> files;

    @Override
    void run(ImageSession session) throws ErrnoException {
        PrintStream stdout = System.out;
        out().flush();
        byte[] buf = new byte[1 << 16];
        for (String f : files) {
            ImageAddress a = address(f);
            ImageSide side = session.side(a, false);
            try (InputStream in = side.openRead(a.path())) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    stdout.write(buf, 0, n);
                }
            } catch (ErrnoException e) {
                throw e;
            } catch (IOException e) {
                throw HostSide.errno("cat", a.toString(), e);
            }
        }
        stdout.flush();
    }
}
