package io.jrump.cli;

import static io.jrump.api.SocketConstants.AF_INET;
import static io.jrump.api.SocketConstants.SHUT_WR;
import static io.jrump.api.SocketConstants.SOCK_STREAM;

import io.jrump.api.ErrnoException;
import io.jrump.api.NetConfig;
import io.jrump.api.NetDevice;
import io.jrump.api.Rump;
import io.jrump.api.RumpKernel;
import io.jrump.api.Syscalls;
import io.jrump.measure.Units;
import io.jrump.net.dev.EthernetBus;
import io.jrump.netinet.Ping;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The network part of the demo: two kernels on an in-memory Ethernet bus, configured the
 * way rump's {@code rump_pub_netconfig_*} calls do, a ping from one to the other, then one
 * TCP connection carrying {@value #TRANSFER_MIB} MiB whose SHA-256 is compared at both ends,
 * with the throughput it reached. Everything printed is checked.
 */
final class NetTour {
    /** Size of the TCP transfer: big enough for a throughput figure, small enough for a few seconds. */
    static final int TRANSFER_MIB = 32;
    private static final int CHUNK = 64 << 10;
    private static final int PINGS = 3;
    private static final int PORT = 5001;
    private static final String CLIENT_IP = "10.0.0.1";
    private static final String SERVER_IP = "10.0.0.2";

    private NetTour() {
    }

    static void run(Transcript transcript) throws ErrnoException, InterruptedException {
        EthernetBus bus = new EthernetBus();
        transcript.section("network: two kernels on an in-memory Ethernet bus (MTU " + bus.mtu() + "), ping, then "
                + TRANSFER_MIB + " MiB over TCP");
        try (RumpKernel a = Rump.builder().component("net").boot(); RumpKernel b = Rump.builder().component("net").boot()) {
            configure(a, "kernel a", bus.port(), CLIENT_IP, transcript);
            configure(b, "kernel b", bus.port(), SERVER_IP, transcript);
            ping(a.sys(), transcript);
            transfer(a.sys(), b.sys(), transcript);
            Map<String, Long> counters = a.netconfig().counters();
            transcript.note("kernel a counters: " + counters.get("tcp.out.segs") + " TCP segments out, "
                    + counters.get("tcp.in.segs") + " in, " + counters.get("tcp.retransmits") + " retransmitted; "
                    + counters.get("arp.requests_sent") + " ARP request(s)");
        }
    }

    private static void configure(RumpKernel kernel, String who, NetDevice port, String ip, Transcript transcript) throws ErrnoException {
        NetConfig nc = kernel.netconfig();
        String mac = HexFormat.ofDelimiter(":").formatHex(port.macAddress());
        transcript.call(who, "netconfig_ifcreate(\"eth0\", bus port " + mac + ")", () -> nc.ifcreate("eth0", port));
        transcript.call(who, "netconfig_ipv4_ifaddr_cidr(\"eth0\", \"" + ip + "/24\")", () -> nc.ipv4Address("eth0", ip + "/24"));
        transcript.call(who, "netconfig_ifup(\"eth0\")", () -> nc.up("eth0"));
        NetConfig.Interface eth0 = nc.interfaces().stream().filter(i -> i.name().equals("eth0")).findFirst().orElse(null);
        FileTour.check(eth0 != null && eth0.up() && eth0.ipv4Addresses().equals(List.of(ip + "/24")),
                who + ": eth0 is not up with " + ip + "/24: " + (eth0 == null ? "missing" : eth0.ipv4Addresses()));
    }

    private static void ping(Syscalls sys, Transcript transcript) throws ErrnoException {
        List<Ping.Reply> replies = transcript.call("a pid 1", "ping(\"" + SERVER_IP + "\", count " + PINGS + ")",
                () -> Ping.ping(sys, SERVER_IP, PINGS, 2000), r -> r.size() + " replies");
        FileTour.check(replies.size() == PINGS, "ping: " + replies.size() + " of " + PINGS + " replies");
        for (Ping.Reply r : replies) {
            FileTour.check(r.from().equals(address(SERVER_IP, 0).getAddress()), "ping: a reply came from " + r.from());
            transcript.note((Ping.DEFAULT_DATA + 8) + " bytes from " + r.from().getHostAddress() + ": icmp_seq=" + r.sequence()
                    + " time=" + Units.nanos(r.rttNanos()));
        }
    }

    private static void transfer(Syscalls client, Syscalls server, Transcript transcript) throws ErrnoException, InterruptedException {
        InetSocketAddress to = address(SERVER_IP, PORT);
        String endpoint = SERVER_IP + ":" + PORT;
        int listener = transcript.call("b pid 1", "socket(AF_INET, SOCK_STREAM, 0)", () -> server.socket(AF_INET, SOCK_STREAM, 0), String::valueOf);
        transcript.call("b pid 1", "bind(" + listener + ", " + endpoint + ")", () -> server.bind(listener, to));
        transcript.call("b pid 1", "listen(" + listener + ", 16)", () -> server.listen(listener, 16));

        AtomicReference<byte[]> received = new AtomicReference<>();
        AtomicReference<Exception> failure = new AtomicReference<>();
        long[] count = {0};
        Thread reader = new Thread(() -> {
            try {
                received.set(receive(server, listener, transcript, count));
            } catch (ErrnoException | RuntimeException e) {
                failure.set(e);
            }
        }, "demo-tcp-server");
        reader.start();

        int fd = transcript.call("a pid 1", "socket(AF_INET, SOCK_STREAM, 0)", () -> client.socket(AF_INET, SOCK_STREAM, 0), String::valueOf);
        long start = System.nanoTime();
        transcript.call("a pid 1", "connect(" + fd + ", " + endpoint + ")", () -> client.connect(fd, to));
        MessageDigest sent = sha256();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
        int chunks = TRANSFER_MIB * (1 << 20) / CHUNK;
        for (int i = 0; i < chunks; i++) {
            fill(chunk, i);
            sent.update(chunk.duplicate());
            if (i == 0) {
                transcript.call("a pid 1", "send(" + fd + ", buf, " + CHUNK + ", 0)", () -> sendAll(client, fd, chunk), String::valueOf);
                transcript.note("... " + Units.count(chunks - 1L) + " more sends of " + Units.bytes(CHUNK));
            } else {
                sendAll(client, fd, chunk);
            }
        }
        transcript.call("a pid 1", "shutdown(" + fd + ", SHUT_WR)", () -> client.shutdown(fd, SHUT_WR));
        reader.join();
        long nanos = System.nanoTime() - start;
        transcript.call("a pid 1", "close(" + fd + ")", () -> client.close(fd));
        if (failure.get() instanceof ErrnoException e) {
            throw e;
        } else if (failure.get() != null) {
            throw new IllegalStateException("TCP receiver failed", failure.get());
        }
        long total = (long) chunks * CHUNK;
        FileTour.check(count[0] == total, "TCP: sent " + total + " bytes, received " + count[0]);
        byte[] digest = sent.digest();
        FileTour.check(MessageDigest.isEqual(digest, received.get()), "TCP: the SHA-256 of what arrived differs from what was sent");
        double seconds = nanos / 1e9;
        transcript.note(Units.bytes(total) + " in " + Units.nanos(nanos) + ": " + Units.bytes(total / seconds) + "/s ("
                + Units.digits(total * 8 / seconds / 1e6) + " Mbit/s); SHA-256 " + HexFormat.of().formatHex(digest, 0, 8)
                + "... equal at both ends");
    }

    /** The server end: accepts one connection, reads it to the end, returns the SHA-256 of what came. */
    private static byte[] receive(Syscalls server, int listener, Transcript transcript, long[] count) throws ErrnoException {
        int fd = transcript.call("b pid 1 reader", "accept(" + listener + ")", () -> server.accept(listener),
                c -> c + " (from " + peer(server, c) + ")");
        MessageDigest digest = sha256();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK);
        while (true) {
            buf.clear();
            int n = server.recv(fd, buf, 0);
            if (n <= 0) {
                break;
            }
            digest.update(buf.flip());
            count[0] += n;
        }
        transcript.line("[b pid 1 reader] recv(" + fd + ", buf, " + CHUNK + ", 0) = 0 (end of stream after " + Units.bytes(count[0]) + ")");
        transcript.call("b pid 1 reader", "close(" + fd + ")", () -> server.close(fd));
        transcript.call("b pid 1 reader", "close(" + listener + ")", () -> server.close(listener));
        return digest.digest();
    }

    private static String peer(Syscalls sys, int fd) {
        try {
            InetSocketAddress p = sys.getpeername(fd);
            return p.getAddress().getHostAddress() + ":" + p.getPort();
        } catch (ErrnoException e) {
            return e.errno().name();
        }
    }

    private static int sendAll(Syscalls sys, int fd, ByteBuffer chunk) throws ErrnoException {
        ByteBuffer b = chunk.duplicate();
        int n = 0;
        while (b.hasRemaining()) {
            n += sys.send(fd, b, 0);
        }
        return n;
    }

    /** Chunk {@code i} of the stream: bytes that differ from chunk to chunk, so a lost or repeated chunk changes the digest. */
    private static void fill(ByteBuffer chunk, int i) {
        chunk.clear();
        for (int j = 0; j < CHUNK; j += 4) {
            chunk.putInt(j, (i * 0x9E3779B1) ^ (j * 0x85EBCA6B));
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static InetSocketAddress address(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }
}
