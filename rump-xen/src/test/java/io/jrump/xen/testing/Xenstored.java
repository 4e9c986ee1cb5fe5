package io.jrump.xen.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.testing.Peers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real xenstored (xen-utils-4.17), started for one test class on a private socket
 * under a temporary directory, with the LD_PRELOAD library {@code xenstored-shim.c} (compiled
 * here with gcc against libxen-dev) standing in for the hypervisor. Dom0's ring page is the
 * file {@link #ringPage()}, its event channel the FIFOs {@link #evtchnIn()} (to the daemon) and
 * {@link #evtchnOut()} (from it). Skips the test when xenstored, gcc or the headers are missing.
 */
public final class Xenstored implements AutoCloseable {
    private static final List<String> DAEMON = List.of("/usr/lib/xen-4.17/bin/xenstored", "/usr/sbin/xenstored");

    private final Path dir;
    private final Process process;

    private Xenstored(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    public static Xenstored start() throws IOException, InterruptedException {
        Path daemon = DAEMON.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(daemon != null, "xenstored not installed (Debian package xen-utils-4.17)");
        Path gcc = Peers.require("gcc", "gcc");
        assumeTrue(Files.exists(Path.of("/usr/include/xenctrl.h")), "Xen headers not installed (Debian package libxen-dev)");
        Peers.require("mkfifo", "coreutils");
        Path dir = Files.createTempDirectory("jrump-xenstored");
        Path src = dir.resolve("shim.c");
        try (InputStream in = Xenstored.class.getResourceAsStream("/io/jrump/xen/xenstored-shim.c")) {
            Files.copy(in, src);
        }
        Path so = dir.resolve("shim.so");
        Peers.ok(gcc.toString(), "-shared", "-fPIC", "-O2", "-o", so.toString(), src.toString(), "-ldl");
        Files.write(dir.resolve("xsd_kva"), new byte[4096]);
        Peers.ok("mkfifo", dir.resolve("evtchn-in").toString(), dir.resolve("evtchn-out").toString());
        ProcessBuilder pb = new ProcessBuilder(daemon.toString(), "-N", "-T", dir.resolve("trace").toString());
        Map<String, String> env = pb.environment();
        env.put("LD_PRELOAD", so.toString());
        env.put("JRUMP_XS_DIR", dir.toString());
        env.put("XENSTORED_RUNDIR", dir.toString());
        pb.redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile());
        Process p = pb.start();
        Xenstored x = new Xenstored(dir, p);
        try {
            Peers.awaitListening(p, x.socket(), dir.resolve("out"));
        } catch (AssertionError e) {
            x.close();
            throw e;
        }
        return x;
    }

    public Path socket() {
        return dir.resolve("socket");
    }

    public Path ringPage() {
        return dir.resolve("xsd_kva");
    }

    public Path evtchnIn() {
        return dir.resolve("evtchn-in");
    }

    public Path evtchnOut() {
        return dir.resolve("evtchn-out");
    }

    /** Runs a xenstore-utils tool ({@code xenstore-read} ...) against this daemon. */
    public io.jrump.platform.host.HostTools.Result tool(String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("env", "XENSTORED_PATH=" + socket()));
        cmd.addAll(List.of(command));
        return Peers.run(cmd.toArray(String[]::new));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
