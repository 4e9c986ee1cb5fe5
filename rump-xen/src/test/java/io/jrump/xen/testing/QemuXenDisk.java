package io.jrump.xen.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.ErrnoException;
import io.jrump.testing.Peers;
import io.jrump.xen.hv.emu.EmulatedXen;
import io.jrump.xen.hv.emu.EventChannelBroker;
import io.jrump.xen.xenstore.XenStoreClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * QEMU's own Xen block backend ({@code xen-disk} on the {@code xenpv} machine of Debian's
 * qemu-system-xen) serving an image to domain 1 of an {@link EmulatedXen}, as virtual device
 * xvda: QEMU runs under the LD_PRELOAD library {@code qemu-shim.c} (compiled here with gcc),
 * which maps the frontend's grants from the emulated domain's memfd and carries event channels
 * over an {@link EventChannelBroker} socket, and talks to Debian's xenstored ({@link Xenstored}).
 * Skips the caller (a JUnit assumption) when QEMU or gcc is missing.
 */
public final class QemuXenDisk implements AutoCloseable {
    public static final Path QEMU = Path.of("/usr/libexec/xen-qemu-system-i386");
    /** The frontend directory QEMU's backend creates for domain 1's xvda. */
    public static final String FRONTEND = "/local/domain/1/device/vbd/51712";

    private final Process qemu;
    private final EventChannelBroker broker;
    private final Path log;

    private QemuXenDisk(Process qemu, EventChannelBroker broker, Path log) {
        this.qemu = qemu;
        this.broker = broker;
        this.log = log;
    }

    /**
     * Starts QEMU on {@code image} ("raw" or "qcow2") and waits until it has created the
     * frontend's nodes ({@link #FRONTEND}); its shim, socket and log go under {@code dir}.
     */
    public static QemuXenDisk start(Path dir, Path image, String format, EmulatedXen xen, Xenstored daemon, XenStoreClient xs)
            throws IOException, InterruptedException, ErrnoException {
        return start(dir, image, format, xen, daemon, xs, false);
    }

    /**
     * As {@link #start(Path, Path, String, EmulatedXen, Xenstored, XenStoreClient)}; with
     * {@code shared}, QEMU does not lock the image, so this process may have it open too (a
     * benchmark comparing with the host's file).
     */
    public static QemuXenDisk start(Path dir, Path image, String format, EmulatedXen xen, Xenstored daemon, XenStoreClient xs, boolean shared)
            throws IOException, InterruptedException, ErrnoException {
        return start(dir, image, format, xen, daemon, xs, shared, "", "", List.of());
    }

    /**
     * As {@link #start(Path, Path, String, EmulatedXen, Xenstored, XenStoreClient, boolean)}, with
     * {@code driveOptions} appended to the {@code -blockdev} options (",aio=threads", say),
     * {@code deviceOptions} to the {@code xen-disk} device's (",iothread=io0") and
     * {@code qemuArgs} added to QEMU's command line ("-object", "iothread,id=io0"): the knobs a
     * benchmark compares.
     */
    public static QemuXenDisk start(Path dir, Path image, String format, EmulatedXen xen, Xenstored daemon, XenStoreClient xs, boolean shared,
            String driveOptions, String deviceOptions, List<String> qemuArgs)
            throws IOException, InterruptedException, ErrnoException {
        assumeTrue(Files.isExecutable(QEMU), "xen-qemu-system-i386 not installed (Debian package qemu-system-xen)");
        Path gcc = Peers.require("gcc", "gcc");
        Path so = dir.resolve("qemu-shim.so");
        Path src = dir.resolve("qemu-shim.c");
        try (InputStream in = QemuXenDisk.class.getResourceAsStream("/io/jrump/xen/qemu-shim.c")) {
            Files.copy(in, src);
        }
        Peers.ok(gcc.toString(), "-shared", "-fPIC", "-O2", "-o", so.toString(), src.toString(), "-lpthread");
        Path log = dir.resolve("qemu.log");
        Path sock = dir.resolve("evtchn.sock");
        EventChannelBroker broker = EventChannelBroker.start(xen, 0, sock);
        List<String> cmd = new ArrayList<>(List.of(QEMU.toString(), "-xen-domid", "1", "-xen-attach", "-machine", "xenpv", "-nodefaults",
                "-nographic", "-display", "none", "-monitor", "none", "-serial", "none"));
        cmd.add("-blockdev");
        String locking = shared ? ",locking=off" : "";
        cmd.add((format.equals("raw") ? "driver=file,node-name=d0,filename=" + image + locking
                : "driver=qcow2,node-name=d0,file.driver=file,file.filename=" + image + (shared ? ",file.locking=off" : "")) + driveOptions);
        cmd.addAll(qemuArgs);
        cmd.add("-device");
        cmd.add("xen-disk,vdev=xvda,drive=d0,frontend-id=1" + deviceOptions);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("LD_PRELOAD", so.toString());
        pb.environment().put("XENSTORED_PATH", daemon.socket().toString());
        pb.environment().put("JRUMP_XEN_MEM", xen.memoryPath(1));
        pb.environment().put("JRUMP_XEN_TABLE_FRAMES", Integer.toString(EmulatedXen.tableFrames()));
        pb.environment().put("JRUMP_XEN_EVTCHN", sock.toString());
        QemuXenDisk q = new QemuXenDisk(pb.start(), broker, log);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!exists(xs, FRONTEND + "/backend")) {
                if (!q.qemu.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("QEMU made no frontend nodes: " + q.log());
                }
                Thread.sleep(20);
            }
            return q;
        } catch (IOException | InterruptedException | RuntimeException e) {
            q.close();
            throw e;
        }
    }

    private static boolean exists(XenStoreClient xs, String path) {
        try {
            xs.read(path);
            return true;
        } catch (ErrnoException e) {
            return false;
        }
    }

    /** QEMU's process id: a benchmark counts its CPU time. */
    public long pid() {
        return qemu.pid();
    }

    /** What QEMU printed so far. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Stops QEMU and the broker. */
    @Override
    public void close() throws InterruptedException {
        qemu.destroy();
        if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
            qemu.destroyForcibly();
        }
        broker.close();
    }
}
