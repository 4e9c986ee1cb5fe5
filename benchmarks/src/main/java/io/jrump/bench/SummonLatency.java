package io.jrump.bench;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.IPPROTO_TCP;
import static io.jrump.api.SocketConstants.SOCK_STREAM;
import static io.jrump.api.SocketConstants.SOL_SOCKET;
import static io.jrump.api.SocketConstants.SO_RCVTIMEO;
import static io.jrump.api.SocketConstants.TCP_NODELAY;

import io.jrump.api.ErrnoException;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.net.dev.EthernetBus;
import io.jrump.net.summon.EchoService;
import io.jrump.net.summon.ServiceAddress;
import io.jrump.net.summon.SummonReport;
import io.jrump.net.summon.SummonedService;
import io.jrump.net.summon.Summoner;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Summon latency (issue 12, "Performance"): a client kernel on an in-memory bus connects to an
 * echo service a {@link Summoner} owns, sends one byte and reads it back; the time runs from
 * just before {@code connect} (the client already knows the service's MAC, so its first frame
 * is the SYN) to the echoed byte. Cold: no kernel runs, the SYN boots one (boot, interface,
 * service start, replay). Warm: the kernel of the previous exchange still runs. The service
 * shuts down after {@link #IDLE} without traffic, which is what makes the next sample cold.
 */
final class SummonLatency implements AutoCloseable {
    static final Duration IDLE = Duration.ofMillis(100);
    /** One phase of a BOOTED report's detail: "boot 0.147". */
    private static final Pattern PHASE = Pattern.compile("([a-z]+) ([0-9.]+)");
    private static final int PORT = 7;

    private final RumpKernel client;
    private final Summoner summoner;
    private final SummonedService service;
    private final LinkedBlockingQueue<SummonReport> reports = new LinkedBlockingQueue<>();
    private final InetSocketAddress address;

    SummonLatency() throws IOException {
        EthernetBus bus = new EthernetBus();
        client = Rump.builder().component("net").boot();
        client.netconfig().ifcreate("eth0", bus.port());
        client.netconfig().ipv4Address("eth0", "10.0.0.1/24");
        summoner = new Summoner(reports::add);
        service = summoner.onDevice("echo", Rump.builder().component("net"), bus.port(), ServiceAddress.of("eth0", "10.0.0.2/24", PORT),
                IDLE, new EchoService(PORT));
        address = new InetSocketAddress(InetAddress.getByName("10.0.0.2"), PORT);
        exchange(); // the first summons is an ARP request; afterwards the client's first frame is the SYN
        awaitShutdown();
    }

    /** One exchange on a cold service: waits for the running kernel (if any) to go idle first. */
    double coldNanos() throws IOException, InterruptedException {
        awaitShutdown();
        return exchange();
    }

    /**
     * Where the time of the last cold summons went, in milliseconds per phase as its BOOTED
     * report gives them ("wait", "boot", "interface", "service", "replay"); empty when the
     * report did not come within a second.
     */
    Map<String, Double> lastPhases() throws InterruptedException {
        Map<String, Double> phases = new LinkedHashMap<>();
        SummonReport r;
        while ((r = reports.poll(1, TimeUnit.SECONDS)) != null) {
            if (r.event() == SummonReport.Event.BOOTED) {
                Matcher m = PHASE.matcher(r.detail());
                while (m.find()) {
                    phases.put(m.group(1), Double.parseDouble(m.group(2)));
                }
                break;
            }
        }
        return phases;
    }

    /** One exchange while the kernel of a previous exchange still runs. */
    double warmNanos() throws IOException {
        if (service.kernel() == null) {
            exchange();
        }
        return exchange();
    }

    private void awaitShutdown() throws IOException {
        try {
            while (service.kernel() != null) {
                SummonReport r = reports.poll(10, TimeUnit.SECONDS);
                if (r == null) {
                    throw new IOException("the summoned service did not shut down within 10 s");
                }
                if (r.event() == SummonReport.Event.FAILED) {
                    throw new IOException(r.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private double exchange() throws IOException {
        Syscalls sys = client.sys();
        long start = System.nanoTime();
        int s = sys.socket(AF_INET, SOCK_STREAM, 0);
        try {
            sys.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, 10_000);
            sys.setsockopt(s, IPPROTO_TCP, TCP_NODELAY, 1);
            sys.connect(s, address);
            sys.write(s, ByteBuffer.wrap(new byte[] {42}));
            ByteBuffer back = ByteBuffer.allocate(1);
            if (sys.read(s, back) != 1 || back.get(0) != 42) {
                throw new IOException("the echo service did not echo");
            }
            return System.nanoTime() - start;
        } finally {
            closeQuietly(sys, s);
        }
    }

    private static void closeQuietly(Syscalls sys, int fd) {
        try {
            sys.close(fd);
        } catch (ErrnoException e) {
            // measured already
        }
    }

    /** Retransmissions the client's TCP made: a summons that lost the SYN would show here. */
    long clientRetransmits() throws ErrnoException {
        return client.netconfig().counters().getOrDefault("tcp.retransmits", 0L);
    }

    @Override
    public void close() {
        summoner.close();
        client.close();
    }
}
