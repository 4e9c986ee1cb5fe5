package io.jrump.cli;

import io.jrump.api.ErrnoException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What the image commands share: an {@link ImageSession} open for the run and closed after it
 * (unmounting writes everything back, so a failure there fails the command), usage errors
 * (exit 2) for malformed arguments, problems reported on the way (exit 1 at the end), and the
 * progress switch.
 */
abstract class ImageCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--progress", negatable = true, description = "Show progress of long work (default: when on a terminal).")
    Boolean progress;

    @Option(names = "--wait", description = "When another process (or rump command) has the image open, wait for it"
            + " instead of failing with EBUSY. An image has one writer, or any number of readers, at a time.")
    boolean waitForImage;

    /** Whether a problem was reported and the command went on. */
    private boolean problems;

    @Override
    public final Integer call() throws ErrnoException {
        try (ImageSession session = new ImageSession(waitForImage)) {
            run(session);
        }
        out().flush();
        return problems ? ErrorReporter.FAILURE : 0;
    }

    /**
     * Reports a failure the command goes on after, as GNU ls and cp do when a tree holds a
     * directory cycle; the command then exits 1 when it is done.
     */
    void problem(ErrnoException e) {
        problems = true;
        out().flush();
        ErrorReporter.print(spec.commandLine(), e.getMessage());
        spec.commandLine().getErr().flush();
    }

    abstract void run(ImageSession session) throws ErrnoException;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    boolean showProgress() {
        return progress != null ? progress : System.console() != null;
    }

    ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** An argument that must name something in an image; malformed is a usage error. */
    ImageAddress address(String arg) {
        try {
            return ImageAddress.parse(arg);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }
}
