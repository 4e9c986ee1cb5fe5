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
 *
 * <p>It runs interactively, driven through its standard input, so that forwarding can be set
 * to retry: a frame whose way back finds the driver's receive ring without buffers is retried
 * (every {@value #RETRY_DELAY_US} µs, up to {@value #RETRIES} times) instead of dropped, which
 * makes testpmd a lossless echo that pushes back on the sender as a switch with pause frames
 * would. A frame lost all the same is counted in its forward statistics ({@link #stopAndCount}).
 */
public final class TestPmd implements AutoCloseable {
    public final Path socket;
    private final Process process;
    private final OutputStream stdin;
    private final Path log;
    private final String prefix;
    private static final int RETRY_DELAY_US = 1000;
    private static final int RETRIES = 2000;

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
                "--total-num-mbufs=4096", "--port-topology=loop", "-i");
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
        TestPmd started = new TestPmd(socket, p, log, prefix);
        started.command("set burst tx delay " + RETRY_DELAY_US + " retry " + RETRIES);
        started.command("set fwd macswap retry");
        started.command("start");
        return started;
    }

    private void command(String line) throws IOException {
        stdin.write((line + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        stdin.flush();
    }

    /** What testpmd's forwarding counted, from its accumulated forward statistics. */
    public record ForwardStats(long rxPackets, long rxDropped, long txPackets, long txDropped) {
    }

    /**
     * Stops forwarding, ends testpmd and reads the statistics it printed (its output to a file
     * is buffered until it exits).
     */
    public ForwardStats stopAndCount() throws IOException, InterruptedException {
        command("stop");
        stdin.close();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        String out = Files.readString(log);
        int at = out.lastIndexOf("Accumulated forward statistics for all ports");
        java.util.regex.Matcher rx = java.util.regex.Pattern.compile("RX-packets: (\\d+) +RX-dropped: (\\d+)").matcher(out);
        java.util.regex.Matcher tx = java.util.regex.Pattern.compile("TX-packets: (\\d+) +TX-dropped: (\\d+)").matcher(out);
        if (at < 0 || !rx.find(at) || !tx.find(at)) {
            throw new AssertionError("no forward statistics from dpdk-testpmd: " + out);
        }
        return new ForwardStats(Long.parseLong(rx.group(1)), Long.parseLong(rx.group(2)), Long.parseLong(tx.group(1)),
                Long.parseLong(tx.group(2)));
    }

    /** Sends a signal ("STOP", "CONT") with kill(1). */
    void signal(String sig) throws IOException, InterruptedException {
        Peers.ok("kill", "-" + sig, String.valueOf(process.pid()));
    }

    /** Kills it (SIGKILL): the socket closes under the driver. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    /** Closes its standard input, which ends it (its prompt reads end of file as quit), and waits. */
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
