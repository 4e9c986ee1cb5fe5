package io.jrump.cli;

import io.jrump.api.BootException;
import io.jrump.api.Rump;
import io.jrump.api.spi.KernelComponent;
import io.jrump.api.spi.PlatformProvider;
import io.jrump.api.spi.Probe;
import io.jrump.kern.platform.PlatformSelector;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code rump version}: the jrump and Java versions, and what the class path offers: every
 * platform provider with its probe (supported or why not), the platform a kernel would get
 * by default, and the kernel components found.
 */
@Command(name = "version", description = "Print the jrump and Java versions and the platforms and components found.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The one-line answer to {@code rump --version}. */
    static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jrump " + Rump.version() + " (Java " + Runtime.version() + ")"};
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("jrump " + Rump.version());
        out.println("Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.vm.name")
                + ") on " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        out.println("platforms:");
        List<PlatformProvider> providers = platformProviders(out);
        if (providers.isEmpty()) {
            out.println("  (none found: add a platform such as rump-kernel's host platform to the class path)");
        }
        for (PlatformProvider p : providers) {
            out.println("  " + describe(p));
        }
        out.println("default platform: " + defaultPlatform());
        out.println("components: " + componentNames(out));
        out.flush();
        return 0;
    }

    private static List<PlatformProvider> platformProviders(PrintWriter out) {
        List<PlatformProvider> found = new ArrayList<>();
        try {
            ServiceLoader.load(PlatformProvider.class, VersionCommand.class.getClassLoader()).forEach(found::add);
        } catch (ServiceConfigurationError e) {
            out.println("  (a platform provider failed to load: " + e.getMessage() + ")");
        }
        return found;
    }

    private static String describe(PlatformProvider p) {
        Probe probe;
        try {
            probe = p.probe();
        } catch (RuntimeException e) {
            return String.format("%-8s probe failed: %s", p.name(), e);
        }
        return probe.supported()
                ? String.format("%-8s supported, priority %d: %s", p.name(), probe.priority(), probe.reason())
                : String.format("%-8s unsupported: %s", p.name(), probe.reason());
    }

    private static String defaultPlatform() {
        try {
            return PlatformSelector.select(null, VersionCommand.class.getClassLoader()).name();
        } catch (BootException | UnsupportedOperationException e) {
            return "none (" + e.getMessage() + ")";
        }
    }

    private static String componentNames(PrintWriter out) {
        List<String> names = new ArrayList<>();
        try {
            ServiceLoader.load(KernelComponent.class, VersionCommand.class.getClassLoader()).forEach(c -> names.add(c.name()));
        } catch (ServiceConfigurationError e) {
            out.println("(a component failed to load: " + e.getMessage() + ")");
        }
        names.sort(null);
        return names.isEmpty() ? "none" : String.join(", ", names);
    }
}
