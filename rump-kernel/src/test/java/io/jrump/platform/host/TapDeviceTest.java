package io.jrump.platform.host;

import io.jrump.platform.host.linux.Libc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.Errno;
import io.jrump.api.ErrnoException;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.DeviceInfo;
import io.jrump.api.spi.DeviceSpec;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.testing.Peers;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TAP devices of the host platform against Linux's tun driver: attach and create, the errors
 * that say why a TAP cannot be used, offloads, an idle receive thread that uses no CPU, and a
 * close that stops it and gives back the descriptor. The TAPs made here are never configured
 * or brought up, so no frame reaches any network. Needs root and /dev/net/tun; skipped with the
 * reason printed otherwise.
 */
class TapDeviceTest {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private final HostPlatformProvider provider = new HostPlatformProvider();

    @BeforeAll
    static void needTap() {
        String why = tapUnusable();
        assumeTrue(why == null, why);
    }

    /** Why TAP tests cannot run here, or null. */
    static String tapUnusable() {
        if (!HostTools.isRoot()) {
            return "not root (TAP devices need CAP_NET_ADMIN)";
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            return "no /dev/net/tun";
        }
        if (!Libc.isAvailable()) {
            return "no native access: " + Libc.unavailabilityCause();
        }
        return null;
    }

    private static String uniqueName() {
        return "jrk" + ProcessHandle.current().pid() % 100000 + "x" + SEQ.incrementAndGet();
    }

    private Platform open(Map<String, String> options, DeviceSpec... devices) throws ErrnoException {
        return provider.open(new PlatformConfig("tap-test", options, List.of(devices)));
    }

    /** How many of this process's descriptors are open on /dev/net/tun. */
    private static long tunDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().equals("/dev/net/tun");
                } catch (IOException e) {
                    return false; // the listing's own descriptor, gone already
                }
            }).count();
        }
    }

    private static boolean interfaceExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    @Test
    void createsATapWithOffloadsAndRemovesItOnClose() throws Exception {
        String name = uniqueName();
        long before = tunDescriptors();
        try (Platform p = open(Map.of())) {
            NetDevice d = p.netDevice("tap:" + name);
            assertTrue(interfaceExists(name), "the TAP exists while attached");
            assertEquals(before + 1, tunDescriptors());
            assertEquals(Set.of(NetDevice.Offload.TX_CHECKSUM, NetDevice.Offload.RX_CHECKSUM, NetDevice.Offload.SEGMENTATION), d.offloads());
            assertEquals(1500, d.mtu());
            assertTrue(d.isLinkUp());
            byte[] mac = d.macAddress();
            assertEquals(6, mac.length);
            assertEquals(0x02, mac[0] & 0x03, "unicast, locally administered");
            // if_tun.h: IFF_TAP 0x0002 | IFF_NO_PI 0x1000 | IFF_VNET_HDR 0x4000
            assertEquals("0x5002", Files.readString(Path.of("/sys/class/net", name, "tun_flags")).trim(), "the TAP's flags");
            TapDevice t = (TapDevice) d;
            d.close();
            assertTrue(t.receiverStopped(), "the receive thread ended");
            assertFalse(d.isLinkUp());
            assertEquals(before, tunDescriptors(), "the descriptor is closed");
            assertFalse(interfaceExists(name), "a TAP this device created goes with it");
            d.close(); // idempotent
        }
    }

    @Test
    void aTapDeletedUnderTheDeviceClosesIt() throws Exception {
        String name = uniqueName();
        long before = tunDescriptors();
        try (Platform p = open(Map.of())) {
            TapDevice d = (TapDevice) p.netDevice("tap:" + name);
            run("ip", "link", "del", name);
            for (int i = 0; i < 500 && !d.receiverStopped(); i++) {
                Thread.sleep(10);
            }
            assertTrue(d.receiverStopped(), "the receive thread saw the TAP go");
            assertFalse(d.isLinkUp());
            assertEquals(Errno.ENETDOWN, assertThrows(ErrnoException.class, () -> d.transmit(java.nio.ByteBuffer.allocate(60))).errno());
            assertEquals(before, tunDescriptors(), "the descriptor is closed");
        }
    }

    @Test
    void offloadsCanBeTurnedOff() throws Exception {
        try (Platform p = open(Map.of(TapDevice.OFFLOAD_OPTION, "false"))) {
            assertEquals(Set.of(), p.netDevice("tap:" + uniqueName()).offloads());
        }
    }

    @Test
    void attachesToAnExistingTapAndReadsItsMtu() throws Exception {
        String name = uniqueName();
        run("ip", "tuntap", "add", "dev", name, "mode", "tap");
        try {
            run("ip", "link", "set", name, "mtu", "1280");
            try (Platform p = open(Map.of(TapDevice.CREATE_OPTION, "false"))) {
                NetDevice d = p.netDevice("tap:" + name);
                assertEquals(1280, d.mtu());
                ErrnoException busy = assertThrows(ErrnoException.class, () -> p.netDevice("tap:" + name));
                assertEquals(Errno.EBUSY, busy.errno(), busy.getMessage());
                assertTrue(busy.getMessage().contains(name), busy.getMessage());
            }
            assertTrue(interfaceExists(name), "a persistent TAP stays when the kernel lets go");
        } finally {
            run("ip", "link", "del", name);
        }
    }

    @Test
    void errorsSayWhichObstacle() throws Exception {
        String name = uniqueName();
        try (Platform p = open(Map.of(TapDevice.CREATE_OPTION, "false"))) {
            ErrnoException missing = assertThrows(ErrnoException.class, () -> p.netDevice("tap:" + name));
            assertEquals(Errno.ENODEV, missing.errno());
            assertTrue(missing.getMessage().contains(name) && missing.getMessage().contains("no such interface"), missing.getMessage());
            assertFalse(interfaceExists(name));
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> p.netDevice("tap:a/b")).errno());
            assertEquals(Errno.EINVAL, assertThrows(ErrnoException.class, () -> p.netDevice("tap:0123456789abcdef")).errno());
            assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> p.netDevice("eth0")).errno());
        }
        String tun = uniqueName();
        run("ip", "tuntap", "add", "dev", tun, "mode", "tun");
        try (Platform p = open(Map.of())) {
            ErrnoException notTap = assertThrows(ErrnoException.class, () -> p.netDevice("tap:" + tun));
            assertEquals(Errno.EINVAL, notTap.errno());
            assertTrue(notTap.getMessage().contains("not a TAP"), notTap.getMessage());
        } finally {
            run("ip", "link", "del", tun);
        }
        ErrnoException option = assertThrows(ErrnoException.class, () -> open(Map.of(TapDevice.OFFLOAD_OPTION, "maybe")));
        assertEquals(Errno.EINVAL, option.errno());
    }

    @Test
    void configuredTapIsANetDeviceOfTheKernel() throws Exception {
        String name = uniqueName();
        try (Platform p = open(Map.of(), DeviceSpec.tap("eth0", name), DeviceSpec.memory("disk0", 4096))) {
            assertEquals(List.of(new DeviceInfo("eth0", DeviceInfo.Type.NET, 0, false, "tap " + name),
                    new DeviceInfo("disk0", DeviceInfo.Type.BLOCK, 4096, false, "memory")), p.devices());
            NetDevice d = p.netDevice("eth0");
            assertSame(d, p.netDevice("eth0"));
            assertEquals(Errno.ENXIO, assertThrows(ErrnoException.class, () -> p.blockDevice("eth0")).errno());
            assertTrue(interfaceExists(name));
            p.close();
            assertFalse(d.isLinkUp(), "closing the kernel closes its TAP");
            assertFalse(interfaceExists(name));
        }
        ErrnoException bad = assertThrows(ErrnoException.class, () -> open(Map.of(), DeviceSpec.tap("eth0", "no/slash")));
        assertEquals(Errno.EINVAL, bad.errno());
    }

    /**
     * Without CAP_NET_ADMIN (a process of root's whose bounding set lacks it, made with
     * setpriv): creating a TAP and attaching to one that belongs to another user both fail with
     * EPERM, saying which; a TAP that belongs to no one in particular may be attached to.
     */
    @Test
    void withoutCapNetAdminTheErrorIsEperm() throws Exception {
        String setpriv = Stream.of("/usr/bin/setpriv", "/bin/setpriv").filter(f -> Files.isExecutable(Path.of(f))).findFirst().orElse(null);
        assumeTrue(setpriv != null, "no setpriv (util-linux)");
        String existing = uniqueName();
        String missing = uniqueName();
        String open = uniqueName();
        run("ip", "tuntap", "add", "dev", existing, "mode", "tap", "user", "65534");
        run("ip", "tuntap", "add", "dev", open, "mode", "tap");
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process pr = new ProcessBuilder(setpriv, "--bounding-set=-net_admin", "--inh-caps=-net_admin", java, "-cp",
                    System.getProperty("java.class.path"), TapWithoutPrivilegeMain.class.getName(), missing, existing, open)
                    .redirectErrorStream(true).start();
            String out = new String(pr.getInputStream().readAllBytes());
            assertEquals(0, pr.waitFor(), out);
            assertTrue(out.contains(missing + " EPERM ") && out.contains("creating one needs CAP_NET_ADMIN"), out);
            assertTrue(out.contains(existing + " EPERM ") && out.contains("not allowed to attach"), out);
            assertTrue(out.contains(open + " opened"), out);
            assertFalse(interfaceExists(missing));
        } finally {
            run("ip", "link", "del", existing);
            run("ip", "link", "del", open);
        }
    }

    /**
     * The receive thread sleeps in poll(2): over half a second of silence it uses (nearly) no
     * CPU, where a polling loop would use all of it. The bound is loose on purpose.
     */
    @Test
    void anIdleTapCostsNoCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadCpuTimeSupported(), "no per-thread CPU time in this JVM");
        try (Platform p = open(Map.of())) {
            String name = uniqueName();
            p.netDevice("tap:" + name);
            Thread reader = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("tap-test/tap-" + name)).findFirst().orElse(null);
            assertNotNull(reader, "a receive thread named after the kernel and the TAP");
            Thread.sleep(100);
            long cpu0 = mx.getThreadCpuTime(reader.getId());
            Thread.sleep(500);
            long used = mx.getThreadCpuTime(reader.getId()) - cpu0;
            assertTrue(used < 50_000_000L, "receive thread used " + used / 1_000_000 + " ms of CPU while idle");
            p.close();
            reader.join(5000);
            assertFalse(reader.isAlive(), "closing the kernel ends the receive thread");
        }
    }

    private static void run(String... cmd) throws Exception {
        Peers.ok(cmd);
    }
}
