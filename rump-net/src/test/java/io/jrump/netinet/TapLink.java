package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.platform.host.HostTools;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A jrump kernel and Linux on the two ends of one TAP, Linux's end in a network namespace
 * made for the test, so no frame can leave the machine or meet the host's own interfaces.
 *
 * <p>The JVM runs in the root namespace, and a TAP is opened in the namespace of whoever
 * opens {@code /dev/net/tun}; so the kernel attaches first (creating the TAP, or attaching to
 * one made with a given MTU), and then the interface, whose Linux side is the TAP itself, moves
 * into the namespace. The descriptor stays attached across the move. {@link #close()} closes
 * the kernel and deletes the namespace, which deletes the TAP with it.
 *
 * <p>Addresses: Linux {@link #linuxIp}, the kernel {@link #jrumpIp}, in a 10.x/24 of its own per
 * link, routed nowhere else.
 */
final class TapLink implements AutoCloseable {
    private static final AtomicInteger SEQ = new AtomicInteger();

    final String ns;
    final String tap;
    final String linuxIp;
    final String jrumpIp;
    final RumpKernel kernel;

    /** Why TAP links cannot be made here, or null. */
    static String unusable(String... tools) {
        if (!HostTools.isRoot()) {
            return "not root (a TAP and a network namespace need CAP_NET_ADMIN)";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "no /dev/net/tun";
        }
        for (String t : tools) {
            if (find(t) == null) {
                return t + " is not installed";
            }
        }
        return null;
    }

    /**
     * Makes the namespace and the TAP, boots a kernel on it ({@code options} as kernel options)
     * and configures both ends; {@code mtu} 0 keeps Linux's default of 1500.
     */
    static TapLink open(int mtu, String... options) throws Exception {
        int n = SEQ.incrementAndGet();
        long pid = ProcessHandle.current().pid();
        TapLink l = null;
        String ns = "jrump-" + pid + "-" + n;
        String tap = "jrt" + pid % 100000 + "n" + n;
        String net = "10." + (200 + (int) (pid % 50)) + "." + n + ".";
        run(30, "ip", "netns", "add", ns);
        RumpKernel kernel = null;
        try {
            if (mtu != 0) {
                run(30, "ip", "tuntap", "add", "dev", tap, "mode", "tap");
                run(30, "ip", "link", "set", tap, "mtu", String.valueOf(mtu));
            }
            var b = Rump.builder().component("net").tap("eth0", tap);
            for (int i = 0; i < options.length; i += 2) {
                b.option(options[i], options[i + 1]);
            }
            kernel = b.boot();
            run(30, "ip", "link", "set", tap, "netns", ns);
            l = new TapLink(ns, tap, net + "1", net + "2", kernel);
            l.inNs(30, "ip", "link", "set", "lo", "up");
            l.inNs(30, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"); // keep captures to what is tested
            l.inNs(30, "ip", "addr", "add", l.linuxIp + "/24", "dev", tap);
            l.inNs(30, "ip", "link", "set", tap, "up");
            kernel.netconfig().ipv4Address("eth0", l.jrumpIp + "/24");
            return l;
        } catch (Exception | Error e) {
            if (l != null) {
                l.close();
            } else {
                if (kernel != null) {
                    kernel.close();
                }
                cleanup(ns, tap);
            }
            throw e;
        }
    }

    private TapLink(String ns, String tap, String linuxIp, String jrumpIp, RumpKernel kernel) {
        this.ns = ns;
        this.tap = tap;
        this.linuxIp = linuxIp;
        this.jrumpIp = jrumpIp;
        this.kernel = kernel;
    }

    /** The command line that runs {@code cmd} in the namespace. */
    List<String> nsCommand(String... cmd) {
        List<String> c = new ArrayList<>(List.of(find("ip"), "netns", "exec", ns));
        String[] full = cmd.clone();
        String found = find(cmd[0]);
        if (found != null) {
            full[0] = found;
        }
        c.addAll(Arrays.asList(full));
        return c;
    }

    /** Runs {@code cmd} in the namespace; it must exit 0 within the timeout. Returns its output. */
    String inNs(long timeoutSeconds, String... cmd) throws Exception {
        return exec(timeoutSeconds, nsCommand(cmd), null);
    }

    /** Starts {@code cmd} in the namespace with stdout to {@code out} (or discarded). */
    Process startInNs(File out, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(nsCommand(cmd)).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.redirectOutput(out == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(out));
        return pb.start();
    }

    @Override
    public void close() {
        try {
            kernel.close();
        } finally {
            cleanup(ns, tap);
        }
    }

    private static void cleanup(String ns, String tap) {
        try {
            exec(30, List.of(find("ip"), "netns", "del", ns), null);
        } catch (Exception | AssertionError e) {
            System.err.println("TapLink: deleting namespace " + ns + ": " + e.getMessage());
        }
        if (Files.exists(Path.of("/sys/class/net", tap))) { // never moved: still in the root namespace
            try {
                exec(30, List.of(find("ip"), "link", "del", tap), null);
            } catch (Exception | AssertionError e) {
                System.err.println("TapLink: deleting " + tap + ": " + e.getMessage());
            }
        }
    }

    /** Runs a host command (looked up in the sbin directories too). */
    static String run(long timeoutSeconds, String... cmd) throws Exception {
        String[] full = cmd.clone();
        String found = find(cmd[0]);
        if (found != null) {
            full[0] = found;
        }
        return exec(timeoutSeconds, Arrays.asList(full), null);
    }

    static String exec(long timeoutSeconds, List<String> cmd, File stdin) throws Exception {
        Path log = Files.createTempFile("jrump-tap", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            if (stdin != null) {
                pb.redirectInput(stdin);
            }
            Process pr = pb.start();
            boolean done = pr.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!done) {
                pr.destroyForcibly().waitFor();
            }
            String out = Files.readString(log);
            assertTrue(done, String.join(" ", cmd) + ": did not finish in " + timeoutSeconds + " s:\n" + out);
            assertEquals(0, pr.exitValue(), String.join(" ", cmd) + ":\n" + out);
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** {@code tool} on the PATH or in an sbin directory, or null. */
    static String find(String tool) {
        return HostTools.find(tool).map(Path::toString).orElse(null);
    }
}
