package io.jrump.bench;

import io.jrump.platform.host.HostTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Network namespaces, veth pairs and TAPs for the comparisons that put Linux peers beside a
 * jrump kernel on a TAP ({@link TapBulkCompare}, {@link HttpCompare}): each namespace is made
 * for one run and deleted after it, so no packet meets the host's own interfaces.
 */
final class Netns {
    private Netns() {
    }

    /**
     * Why namespaces, a veth pair and a TAP cannot be had here, or null: root, /dev/net/tun and
     * each tool of {@code tools} ({command, Debian package}).
     */
    static String unusable(String[]... tools) {
        if (!HostTools.isRoot()) {
            return "not root (a TAP, a veth pair and network namespaces need CAP_NET_ADMIN)";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "no /dev/net/tun";
        }
        for (String[] t : tools) {
            if (HostTools.find(t[0]).isEmpty()) {
                return HostTools.notInstalled(t[0], t[1]);
            }
        }
        return null;
    }

    /** Makes namespace {@code ns} with its loopback up. */
    static void add(String ns) throws IOException, InterruptedException {
        ip("netns", "add", ns);
        exec(ns, "ip", "link", "set", "lo", "up");
    }

    /** A veth pair: {@code a} in {@code nsA} with {@code addrA}, {@code b} in {@code nsB} with {@code addrB} (CIDR), both up. */
    static void veth(String a, String nsA, String addrA, String b, String nsB, String addrB) throws IOException, InterruptedException {
        ip("link", "add", a, "netns", nsA, "type", "veth", "peer", "name", b, "netns", nsB);
        exec(nsA, "ip", "addr", "add", addrA, "dev", a);
        exec(nsA, "ip", "link", "set", a, "up");
        exec(nsB, "ip", "addr", "add", addrB, "dev", b);
        exec(nsB, "ip", "link", "set", b, "up");
    }

    /** Moves the Linux side of TAP {@code tap} into {@code ns}, gives it {@code addr} (CIDR) and sets it up. */
    static void moveTap(String tap, String ns, String addr) throws IOException, InterruptedException {
        ip("link", "set", tap, "netns", ns);
        exec(ns, "ip", "addr", "add", addr, "dev", tap);
        exec(ns, "ip", "link", "set", tap, "up");
    }

    /** Deletes the namespaces (with what is in them) and the TAP if it is still in the host's namespace; best effort. */
    static void delete(List<String> namespaces, String tap) {
        for (String ns : namespaces) {
            quietly("ip", "netns", "del", ns);
        }
        if (Files.exists(Path.of("/sys/class/net", tap))) {
            quietly("ip", "link", "del", tap);
        }
    }

    /** The command line that runs {@code cmd} in namespace {@code ns}, the tool by its full path where found. */
    static List<String> command(String ns, String... cmd) {
        List<String> c = new ArrayList<>(List.of(HostTools.find("ip").orElseThrow().toString(), "netns", "exec", ns));
        c.add(HostTools.find(cmd[0]).map(Path::toString).orElse(cmd[0]));
        c.addAll(List.of(cmd).subList(1, cmd.length));
        return c;
    }

    /** Runs {@code cmd} in namespace {@code ns}; a failure is an IOException with its output. */
    static void exec(String ns, String... cmd) throws IOException, InterruptedException {
        ok(command(ns, cmd));
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(HostTools.find("ip").orElseThrow().toString()));
        c.addAll(List.of(args));
        ok(c);
    }

    private static void ok(List<String> cmd) throws IOException, InterruptedException {
        HostTools.Result r = HostTools.run(30, null, cmd);
        if (r.status() != 0) {
            throw new IOException(String.join(" ", cmd) + ": exit " + r.status() + "\n" + r.output());
        }
    }

    private static void quietly(String... cmd) {
        try {
            List<String> c = new ArrayList<>(List.of(HostTools.find(cmd[0]).map(Path::toString).orElse(cmd[0])));
            c.addAll(List.of(cmd).subList(1, cmd.length));
            HostTools.run(30, null, c);
        } catch (IOException | InterruptedException e) {
            // best effort: the namespace may be gone already
        }
    }
}
