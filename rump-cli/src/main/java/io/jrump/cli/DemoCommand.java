package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code rump demo}: a guided tour that boots kernels and prints, strace-style, the system
 * calls it makes: files on tmpfs, two users and their permissions, a pipe between threads,
 * then many kernels alive at once with what each costs. It checks what it prints: a result
 * the kernel gets wrong stops the demo with exit status 1, so CI runs it as a smoke test.
 */
@Command(name = "demo", description = "Boot kernels and show system calls, users, pipes and the cost of many kernels.")
final class DemoCommand implements Callable<Integer> {
    /** The kernels of the demo: the VFS with tmpfs as root file system. */
    static RumpBuilder kernelConfiguration() {
        return Rump.builder().component("vfs");
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--kernels", paramLabel = "N", defaultValue = "10000",
            description = "How many kernels to boot and keep alive at the end (default: ${DEFAULT-VALUE}; 0 skips that part).")
    int kernels;

    @Option(names = "--progress", negatable = true, description = "Show progress while booting the kernels (default: when on a terminal).")
    Boolean progress;

    @Override
    public Integer call() throws ErrnoException, InterruptedException {
        if (kernels < 0) {
            throw new ParameterException(spec.commandLine(), "--kernels must not be negative: " + kernels);
        }
        PrintWriter out = spec.commandLine().getOut();
        Transcript transcript = new Transcript(out);
        RumpBuilder builder = kernelConfiguration();
        String what;
        try (RumpKernel kernel = builder.boot()) {
            what = String.join(" + ", kernel.components()) + (kernel.components().contains("vfs") ? " with a tmpfs root" : "")
                    + ", " + kernel.platformName() + " platform";
            FileTour.run(kernel, transcript);
            UserTour.run(kernel, transcript);
            PipeTour.run(kernel, transcript);
        }
        Ext2Tour.run(transcript);
        if (kernels > 0) {
            boolean show = progress != null ? progress : System.console() != null;
            FleetTour.run(builder, what, kernels, transcript, out, show);
        }
        transcript.line("");
        transcript.line("demo done: every result above was checked.");
        return 0;
    }
}
