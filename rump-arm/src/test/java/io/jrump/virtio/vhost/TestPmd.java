package io.jrump.virtio.vhost;

import io.jrump.testing.Peers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * dpdk-testpmd forwarding in macswap mode on a vhost-user port it serves on a Unix socket, as
 * the design's table of peers starts it: without hugepages, a small mbuf pool, its standard
 * input kept open (it exits when that closes). Skipped when not installed.
 */
public final class TestPmd implements AutoCloseable {
    public final Path socket;
    private final Process process;
    private final OutputStream stdin;
    private final Path log;
    private final String prefix;

    private TestPmd(Path socket, Process process, Path log, String prefix) {
        this.prefix = prefix;
        this.socket = socket;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.log = log;
    }

    public static TestPmd start(Path dir) throws IOException, InterruptedException {
        Path pmd = Peers.require("dpdk-testpmd", "dpdk-dev");
        Path socket = dir.resolve("net.sock");
        Path log = dir.resolve("testpmd.log");
        String prefix = "jr" + ProcessHandle.current().pid() + "-" + dir.getFileName();
        List<String> cmd = List.of(pmd.toString(), "-l", "0-1", "--no-huge", "-m", "512", "--no-pci", "--file-prefix=" + prefix, "--vdev", "net_vhost0,iface=" + socket + ",queues=1", "--",
                "--total-num-mbufs=4096", "--forward-mode=macswap", "--port-topology=loop", "-a");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                String out = Files.readString(log);
                // as an ordinary user DPDK may lack what it needs (memory locking, runtime directory): skip, saying why
                org.junit.jupiter.api.Assumptions.assumeTrue(io.jrump.platform.host.HostTools.isRoot(),
                        () -> "dpdk-testpmd did not start as an ordinary user: " + out.lines().reduce((a, b) -> b).orElse(""));
                throw new AssertionError("dpdk-testpmd did not start: " + out);
            }
            Thread.sleep(20);
        }
        return new TestPmd(socket, p, log, prefix);
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** Closes its standard input, which ends it, and waits. */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        deleteRuntimeDir(Path.of(System.getenv().getOrDefault("XDG_RUNTIME_DIR", "/var/run"), "dpdk", prefix));
        deleteRuntimeDir(Path.of("/var/run/dpdk", prefix));
    }

    /** DPDK leaves its runtime directory (named by the file prefix) behind. */
    private static void deleteRuntimeDir(Path d) throws IOException {
        if (Files.isDirectory(d)) {
            try (var s = Files.walk(d)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
