package io.jrump.cli;

import io.jrump.api.ErrnoException;
import io.jrump.api.RumpBuilder;
import io.jrump.api.RumpKernel;
import io.jrump.net.hostfwd.HostForward;
import io.jrump.net.http.HttpFileServer;
import io.jrump.net.http.HttpOptions;
import io.jrump.net.summon.Durations;
import io.jrump.net.summon.ServiceAddress;
import io.jrump.net.summon.Service;
import io.jrump.net.summon.SummonReport;
import io.jrump.net.summon.SummonedService;
import io.jrump.net.summon.Summoner;
import io.jrump.api.NetDevice;
import io.jrump.api.spi.PlatformConfig;
import io.jrump.platform.host.HostPlatformProvider;
import java.util.Map;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rump serve}: boots a kernel with the given images or directories (see
 * {@link ServedTree}) and serves them over HTTP/1.1 with an {@link HttpFileServer} inside the
 * kernel, reached through a TAP ({@code --tap}, the kernel's own address) or through a
 * {@link HostForward} from a host address ({@code --listen}, no root needed). Runs until
 * interrupted (SIGINT, SIGTERM); then prints what it served.
 */
@Command(name = "serve", description = {
        "Serve the files of disk images (mounted read-only) or host directories (copied into the kernel's tmpfs) over HTTP/1.1"
                + " from a web server inside a kernel, on the kernel's own TCP/IP stack.",
        "Reach it through a TAP (--tap tap0 --ip 10.0.0.2/24; root, or a TAP made for you) or from a host address"
                + " (--listen 127.0.0.1:8080: each connection is relayed into the kernel's TCP over an in-memory link)."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IMAGE|DIRECTORY", description = {"One source is served as the root; several appear as directories named after them.",
            "An image may be a virtio-blk device behind a vhost-user socket, vhost-user-blk:SOCKET (each kernel connects to it on its own)."})
    List<Path> sources;

    @Option(names = "--tap", paramLabel = "TAP", description = "Serve on the kernel's interface eth0 on this host TAP device.")
    String tap;

    @Option(names = "--ip", paramLabel = "CIDR", description = {"The kernel's address on the TAP, e.g. 10.0.0.2/24.",
            "With --summon, one per source makes each source a service of its own at that address (one TAP, several addresses)."})
    List<String> ips;

    /** The first --ip: the one address when there is one service. */
    String ip;

    @Option(names = "--gateway", paramLabel = "IP", description = "The kernel's default route on the TAP.")
    String gateway;

    @Option(names = "--tap-offload", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Use the TAP's checksum and segmentation offloads (default: on; off puts only complete, MTU-sized frames on the TAP).")
    boolean tapOffload;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = {"Accept on this host address and relay each connection into the kernel.",
            "With --summon, one per source makes each source a service of its own at that host address."})
    List<String> listens;

    /** The first --listen: the one host address when there is one service. */
    String listen;

    @Option(names = "--port", paramLabel = "N", defaultValue = "80", description = "The kernel's port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--access-log", paramLabel = "FILE", defaultValue = "-",
            description = "Where the access log (common log format) goes: a file, '-' for standard output (the default), 'off' for none.")
    String accessLog;

    @Option(names = "--header-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "A request's head must arrive within this time of its first byte (default: ${DEFAULT-VALUE}).")
    Duration headerTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "5s",
            description = "A connection may wait this long for its next request (default: ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(names = "--summon", description = "Boot no kernel until traffic arrives: the first connection (--listen) or the first ARP request"
            + " or SYN for the kernel's address (--tap) summons it; after --idle without traffic it shuts down (reported with what it cost)"
            + " and the next request summons a new one.")
    boolean summon;

    @Option(names = "--idle", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "30s",
            description = "With --summon: how long a kernel lives without traffic (default: ${DEFAULT-VALUE}).")
    Duration idle;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "512", description = "Connections served at once (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Override
    public Integer call() throws ErrnoException, IOException, InterruptedException {
        ip = ips == null ? null : ips.get(0);
        listen = listens == null ? null : listens.get(0);
        int addresses = Math.max(ips == null ? 0 : ips.size(), listens == null ? 0 : listens.size());
        if (addresses > 1 && !summon) {
            throw usage("several --ip or --listen addresses (one service per source) need --summon");
        }
        if (addresses > 1 && addresses != sources.size()) {
            throw usage("several addresses make one service per source: " + addresses + " addresses for " + sources.size() + " sources");
        }
        if ((tap == null) == (listen == null)) {
            throw usage("give exactly one of --tap TAP or --listen HOST:PORT");
        }
        if (tap != null && ip == null) {
            throw usage("--tap needs --ip CIDR (the kernel's address, e.g. 10.0.0.2/24)");
        }
        if (tap == null && (ip != null || gateway != null)) {
            throw usage("--ip and --gateway go with --tap");
        }
        if (port < 1 || port > 65535) {
            throw usage("--port must be 1..65535: " + port);
        }
        InetSocketAddress host = listen != null ? hostAddress(listen) : null;
        PrintWriter out = spec.commandLine().getOut();
        AtomicReference<Supplier<String>> now = new AtomicReference<>(() -> "rump serve: starting");
        try (ServeStatus status = new ServeStatus(out, System.console() != null, () -> now.get().get());
             AccessLog accessLogFile = AccessLog.open(accessLog, status::println)) {
            Consumer<String> log = accessLogFile.consumer();
            Consumer<ErrnoException> problems = e -> ErrorReporter.print(spec.commandLine(), e.getMessage());
            if (summon) {
                return summoned(host, status, now, log, problems);
            }
            return booted(host, status, now, log, problems);
        }
    }

    /** Without --summon: one kernel serves until stopped, and what it cost is printed at the end. */
    private int booted(InetSocketAddress host, ServeStatus status, AtomicReference<Supplier<String>> now, Consumer<String> log,
            Consumer<ErrnoException> problems) throws ErrnoException, IOException {
        Consumer<RumpBuilder> devices = b -> {
            if (tap != null) {
                b.tap("eth0", tap);
                if (!tapOffload) {
                    b.option("tap.offload", "false");
                }
            }
        };
        RumpKernel served;
        try (RumpKernel kernel = ServedTree.boot(sources, devices, problems)) {
            served = kernel;
            if (tap != null) {
                kernel.netconfig().ipv4Address("eth0", ip);
                if (gateway != null) {
                    kernel.netconfig().ipv4Gateway(gateway);
                }
            }
            try (HttpFileServer server = HttpFileServer.start(kernel, port, "/", httpOptions(host, log));
                 HostForward forward = host != null ? HostForward.start(host, kernel, port) : null) {
                String where = forward != null
                        ? "http://" + forward.address().getAddress().getHostAddress() + ":" + forward.address().getPort() + "/ (relayed to the kernel's port " + port + ")"
                        : "http://" + ip.replaceFirst("/.*", "") + (port == 80 ? "" : ":" + port) + "/ (kernel " + kernel.name() + " on " + tap + ")";
                status.println("rump serve: serving " + sources + " at " + where);
                now.set(() -> "rump serve: " + kernel.name() + ": " + kernel.accounting());
                status.start();
                untilStopped();
                status.close();
                HttpFileServer.Stats s = server.stats();
                status.println("rump serve: stopped after " + s.connections() + " connections, " + s.requests() + " requests, "
                        + s.bytesSent() + " body bytes sent" + (s.refused() > 0 ? ", " + s.refused() + " refused (busy)" : ""));
            }
        }
        status.println("rump serve: " + served.name() + " cost " + served.accounting());
        return 0;
    }

    /**
     * {@code --summon}: a {@link Summoner} boots a kernel from the planned tree when traffic
     * arrives and starts the server on it; each boot and shutdown (with the kernel's accounting)
     * is printed as it happens, the totals at the end. With one address per source, each source
     * is a service of its own, named after it: on one TAP at several addresses (one MAC, like
     * aliases on an interface), or at several host addresses.
     */
    private int summoned(InetSocketAddress host, ServeStatus status, AtomicReference<Supplier<String>> now, Consumer<String> log,
            Consumer<ErrnoException> problems) throws ErrnoException, IOException {
        Consumer<SummonReport> reports = r -> status.println("rump serve: " + r);
        boolean each = Math.max(ips == null ? 0 : ips.size(), listens == null ? 0 : listens.size()) > 1;
        try (Summoner summoner = new Summoner(reports)) {
            NetDevice device = tap == null ? null
                    : new HostPlatformProvider().open(new PlatformConfig("serve", Map.of("tap.offload", String.valueOf(tapOffload)), List.of()))
                            .netDevice("tap:" + tap);
            int n = each ? sources.size() : 1;
            for (int i = 0; i < n; i++) {
                List<Path> served = each ? List.of(sources.get(i)) : sources;
                String name = each ? ServedTree.plan(served, problems).names().get(0) : "serve";
                String cidr = tap == null ? null : ips.get(i);
                String where = summon(summoner, name, served, tap == null ? hostAddress(listens.get(i)) : null, device, cidr,
                        tap == null ? listens.get(i) : null, log, problems);
                status.println("rump serve: serving " + served + " at " + where + (each ? " as " + name : "") + ", summoned on demand, idle after "
                        + Durations.format(idle));
            }
            now.set(() -> summonStatus(summoner));
            status.start();
            untilStopped();
            status.close();
            summoner.close();
            for (SummonedService s : summoner.services()) {
                status.println("rump serve: stopped; in all" + (each ? " for " + s.name() : "") + ": " + s.totals());
            }
        }
        return 0;
    }

    /** Adds one summoned service for {@code served} and says where it answers. */
    private String summon(Summoner summoner, String name, List<Path> served, InetSocketAddress host, NetDevice device, String cidr, String listenAt,
            Consumer<String> log, Consumer<ErrnoException> problems) throws ErrnoException, IOException {
        ServedTree.Plan plan = ServedTree.plan(served, problems);
        Set<String> names = new HashSet<>();
        if (cidr != null) {
            String a = cidr.replaceFirst("/.*", "");
            names.add(a);
            names.add(a + ":" + port);
        }
        if (listenAt != null) {
            names.add(listenAt);
        }
        HttpOptions options = httpOptions(host, log).withHostNames(names);
        Service service = kernel -> {
            plan.fill(kernel);
            return HttpFileServer.start(kernel, port, "/", options);
        };
        if (host != null) {
            SummonedService s = summoner.onListen(name, plan.builder(), host, port, idle, service, null);
            s.warmUp();
            InetSocketAddress a = Summoner.listenAddress(s);
            return "http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/ (relayed to the kernel's port " + port + ")";
        }
        summoner.onDevice(name, plan.builder(), device, new ServiceAddress("eth0", cidr, gateway, port), idle, service).warmUp();
        return "http://" + cidr.replaceFirst("/.*", "") + (port == 80 ? "" : ":" + port) + "/ (on " + tap + ")";
    }

    /** The status line with --summon: each service's kernel (or that none runs) and what it has cost so far. */
    private static String summonStatus(Summoner summoner) {
        StringBuilder b = new StringBuilder("rump serve:");
        for (SummonedService s : summoner.services()) {
            RumpKernel k = s.kernel();
            b.append(' ').append(s.name()).append(' ').append(k == null ? "(none running)" : k.name()).append(": ").append(s.totals()).append(';');
        }
        b.setLength(b.length() - 1);
        return b.toString();
    }

    /**
     * Waits until the command is stopped: SIGINT or SIGTERM (through a shutdown hook), or an
     * interrupt of the thread running it in-process.
     */
    private static void untilStopped() {
        CountDownLatch stop = new CountDownLatch(1);
        Thread hook = new Thread(stop::countDown, "rump-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stop.await();
        } catch (InterruptedException e) {
            // stopped by whoever runs the command in-process
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook stays, and has already run
            }
        }
    }

    /** The server's limits and log from the options, and the names it answers to (421 for others). */
    private HttpOptions httpOptions(InetSocketAddress host, Consumer<String> log) {
        return HttpOptions.defaults().withHeaderTimeout(headerTimeout).withIdleTimeout(idleTimeout).withMaxConnections(maxConnections)
                .withAccessLog(log).withHostNames(hostNames(host));
    }

    private Set<String> hostNames(InetSocketAddress host) {
        Set<String> names = new HashSet<>();
        if (ip != null) {
            String a = ip.replaceFirst("/.*", "");
            names.add(a);
            names.add(a + ":" + port);
        }
        if (host != null) {
            names.add(listen);
        }
        return names;
    }

    private InetSocketAddress hostAddress(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw usage("--listen takes HOST:PORT, e.g. 127.0.0.1:8080: " + s);
        }
        try {
            int p = Integer.parseInt(s.substring(colon + 1));
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(s.substring(0, colon).replace("[", "").replace("]", ""), p);
        } catch (NumberFormatException e) {
            throw usage("--listen: bad port in " + s);
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
