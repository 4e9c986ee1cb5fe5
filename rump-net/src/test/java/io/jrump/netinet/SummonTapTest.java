package io.jrump.netinet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.api.KernelAccounting;
import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.spi.Platform;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.net.summon.EchoService;
import io.jrump.net.summon.ServiceAddress;
import io.jrump.net.summon.SummonReport;
import io.jrump.net.summon.Summoner;
import io.jrump.platform.host.HostPlatformProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Summoning on a real TAP: Linux in a network namespace the test makes runs {@code nc} against
 * an echo service whose kernel does not exist until Linux's first frame for it arrives; a
 * {@code tcpdump} capture on the TAP, read by {@code tshark}, shows no retransmission and no
 * malformed packet, through a first summons (Linux asks ARP), an idle shutdown, and a second
 * summons by a bare SYN (Linux still knows the MAC). Needs root, /dev/net/tun and the tools;
 * skipped with the reason printed otherwise.
 */
class SummonTapTest {
    @TempDir
    Path dir;

    @Test
    void ncSummonsTheKernelTwiceWithoutARetransmission() throws Exception {
        String why = TapLink.unusable("ip", "nc", "tcpdump", "tshark");
        assumeTrue(why == null, why);
        long pid = ProcessHandle.current().pid();
        String ns = "jrump-summon-" + pid;
        String tap = "jrs" + pid % 100000;
        String net = "10." + (150 + (int) (pid % 50)) + ".9.";
        String linuxIp = net + "1";
        String jrumpIp = net + "2";
        LinkedBlockingQueue<SummonReport> reports = new LinkedBlockingQueue<>();
        Platform host = new HostPlatformProvider().open(new PlatformConfig("summon-tap", Map.of(), List.of()));
        TapLink.run(30, "ip", "netns", "add", ns);
        Process dump = null;
        try (Summoner summoner = new Summoner(reports::add)) {
            NetDevice device = host.netDevice("tap:" + tap);
            TapLink.run(30, "ip", "link", "set", tap, "netns", ns);
            inNs(ns, "ip", "link", "set", "lo", "up");
            inNs(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
            inNs(ns, "ip", "addr", "add", linuxIp + "/24", "dev", tap);
            inNs(ns, "ip", "link", "set", tap, "up");
            summoner.onDevice("echo", Rump.builder().component("net"), device, ServiceAddress.of("eth0", jrumpIp + "/24", 7),
                    Duration.ofSeconds(1), new EchoService(7));

            Path pcap = dir.resolve("summon.pcap");
            Path err = dir.resolve("tcpdump.err");
            dump = new ProcessBuilder(List.of(TapLink.find("ip"), "netns", "exec", ns, TapLink.find("tcpdump"), "-i", tap, "--immediate-mode",
                    "-U", "-s", "0", "-w", pcap.toString())).redirectError(err.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            for (int i = 0; i < 100 && !Files.readString(err).contains("listening on"); i++) {
                Thread.sleep(50);
            }
            assertTrue(Files.readString(err).contains("listening on"), "tcpdump started: " + Files.readString(err));

            assertEquals("first\n", nc(ns, jrumpIp, "first\n"));
            assertEquals(SummonReport.Event.BOOTED, next(reports).event());
            SummonReport down = next(reports);
            assertEquals(SummonReport.Event.SHUTDOWN, down.event(), down.toString());
            KernelAccounting a = down.accounting();
            assertEquals(1, a.requests(), a.toString());
            assertEquals(6, a.bytesIn(), a.toString());
            assertEquals(6, a.bytesOut(), a.toString());
            assertTrue(a.cpuNanos() > 0 && a.cpuNanos() <= a.aliveNanos() * Runtime.getRuntime().availableProcessors(), a.toString());

            assertEquals("second\n", nc(ns, jrumpIp, "second\n"));
            assertEquals(SummonReport.Event.BOOTED, next(reports).event());
            Thread.sleep(300);
            dump.destroy();
            dump.waitFor(10, TimeUnit.SECONDS);

            String expert = PeerTools.run(60, "tshark", "-r", pcap.toString(), "-q", "-z", "expert");
            assertFalse(expert.contains("Malformed"), expert);
            String retrans = PeerTools.run(60, "tshark", "-r", pcap.toString(), "-Y",
                    "tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission");
            assertEquals("", retrans.trim(), "retransmissions in the capture");
            String syns = PeerTools.run(60, "tshark", "-r", pcap.toString(), "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-T", "fields",
                    "-e", "ip.src");
            assertEquals(List.of(linuxIp, linuxIp), syns.lines().toList(), "one SYN per connection, none sent twice");
            String synAcks = PeerTools.run(60, "tshark", "-r", pcap.toString(), "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 1", "-T",
                    "fields", "-e", "ip.src");
            assertEquals(List.of(jrumpIp, jrumpIp), synAcks.lines().toList(), "each summoned kernel answered the replayed SYN");
        } finally {
            if (dump != null) {
                dump.destroyForcibly();
            }
            host.close();
            try {
                TapLink.run(30, "ip", "netns", "del", ns);
            } catch (Exception | AssertionError e) {
                System.err.println("SummonTapTest: deleting namespace " + ns + ": " + e.getMessage());
            }
        }
    }

    private static SummonReport next(LinkedBlockingQueue<SummonReport> reports) throws InterruptedException {
        SummonReport r = reports.poll(15, TimeUnit.SECONDS);
        assertNotNull(r, "no summon report");
        return r;
    }

    private static void inNs(String ns, String... cmd) throws Exception {
        List<String> c = new java.util.ArrayList<>(List.of(TapLink.find("ip"), "netns", "exec", ns));
        String found = TapLink.find(cmd[0]);
        c.add(found != null ? found : cmd[0]);
        c.addAll(List.of(cmd).subList(1, cmd.length));
        TapLink.exec(30, c, null);
    }

    /** Linux's nc in the namespace: sends {@code text}, half-closes, returns what came back. */
    private String nc(String ns, String ip, String text) throws Exception {
        Path in = dir.resolve("nc.in");
        Files.writeString(in, text);
        List<String> c = List.of(TapLink.find("ip"), "netns", "exec", ns, TapLink.find("nc"), "-N", "-w", "10", ip, "7");
        return TapLink.exec(30, c, in.toFile());
    }
}
