package io.jrump.virtio.vhost;

import io.jrump.testing.Peers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * qemu-storage-daemon exporting one image as a vhost-user-blk device on a Unix socket, as the
 * design's table of peers starts it; the test is skipped when the daemon is not installed.
 */
public final class StorageDaemon implements AutoCloseable {
    public final Path socket;
    private final Process process;
    private final Path log;

    private StorageDaemon(Path socket, Process process, Path log) {
        this.socket = socket;
        this.process = process;
        this.log = log;
    }

    public static StorageDaemon start(Path dir, Path image, String format, boolean writable) throws IOException, InterruptedException {
        Path qsd = Peers.require("qemu-storage-daemon", "qemu-system-common");
        Path socket = dir.resolve("blk.sock");
        Path log = dir.resolve("qsd.log");
        String blockdev = format.equals("raw") ? "driver=file,node-name=f0,filename=" + image
                : "driver=" + format + ",node-name=f0,file.driver=file,file.filename=" + image;
        List<String> cmd = List.of(qsd.toString(), "--blockdev", blockdev, "--export",
                "type=vhost-user-blk,id=e0,node-name=f0,addr.type=unix,addr.path=" + socket + ",writable=" + (writable ? "on" : "off"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Peers.awaitListening(p, socket, log);
        return new StorageDaemon(socket, p, log);
    }

    String log() throws IOException {
        return Files.readString(log);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the daemon (SIGTERM) and waits, so the image is complete on disk. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Sends a signal ("STOP", "CONT") with kill(1). */
    void signal(String sig) throws IOException, InterruptedException {
        Peers.ok("kill", "-" + sig, String.valueOf(process.pid()));
    }

    /** Kills it mid-flight (SIGKILL). */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }
}
