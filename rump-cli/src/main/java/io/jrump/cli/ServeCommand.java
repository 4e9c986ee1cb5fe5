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
import java.util.function.Consumer;
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

    @Parameters(arity = "1..*", paramLabel = "IMAGE|DIRECTORY", description = "One source is served as the root; several appear as directories named after them.")
    List<Path> sources;

    @Option(names = "--tap", paramLabel = "TAP", description = "Serve on the kernel's interface eth0 on this host TAP device.")
    String tap;

    @Option(names = "--ip", paramLabel = "CIDR", description = "The kernel's address on the TAP, e.g. 10.0.0.2/24.")
    String ip;

    @Option(names = "--gateway", paramLabel = "IP", description = "The kernel's default route on the TAP.")
    String gateway;

    @Option(names = "--tap-offload", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Use the TAP's checksum and segmentation offloads (default: on; off puts only complete, MTU-sized frames on the TAP).")
    boolean tapOffload;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "Accept on this host address and relay each connection into the kernel.")
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
        try (AccessLog accessLogFile = AccessLog.open(accessLog, out)) {
            return serve(host, out, accessLogFile.consumer());
        }
    }

    private int serve(InetSocketAddress host, PrintWriter out, Consumer<String> log) throws ErrnoException, IOException {
        Consumer<ErrnoException> problems = e -> ErrorReporter.print(spec.commandLine(), e.getMessage());
        if (summon) {
            return summoned(host, out, log, problems);
        }
        Consumer<RumpBuilder> devices = b -> {
            if (tap != null) {
                b.tap("eth0", tap);
                if (!tapOffload) {
                    b.option("tap.offload", "false");
                }
            }
        };
        try (RumpKernel kernel = ServedTree.boot(sources, devices, problems)) {
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
                out.println("rump serve: serving " + sources + " at " + where);
                out.flush();
                untilStopped();
                HttpFileServer.Stats s = server.stats();
                out.println("rump serve: stopped after " + s.connections() + " connections, " + s.requests() + " requests, "
                        + s.bytesSent() + " body bytes sent" + (s.refused() > 0 ? ", " + s.refused() + " refused (busy)" : ""));
                out.flush();
            }
        }
        return 0;
    }

    /**
     * {@code --summon}: a {@link Summoner} boots a kernel from the planned tree when traffic
     * arrives and starts the server on it; each boot and shutdown (with the kernel's accounting)
     * is printed as it happens, the totals at the end.
     */
    private int summoned(InetSocketAddress host, PrintWriter out, Consumer<String> log, Consumer<ErrnoException> problems)
            throws ErrnoException, IOException {
        ServedTree.Plan plan = ServedTree.plan(sources, problems);
        HttpOptions options = httpOptions(host, log);
        Service service = kernel -> {
            plan.fill(kernel);
            return HttpFileServer.start(kernel, port, "/", options);
        };
        Consumer<SummonReport> reports = r -> {
            synchronized (out) {
                out.println("rump serve: " + r);
                out.flush();
            }
        };
        try (Summoner summoner = new Summoner(reports)) {
            SummonedService served;
            String where;
            if (host != null) {
                served = summoner.onListen("serve", plan.builder(), host, port, idle, service, null);
                InetSocketAddress a = Summoner.listenAddress(served);
                where = "http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + "/ (relayed to the kernel's port " + port + ")";
            } else {
                NetDevice device = new HostPlatformProvider().open(new PlatformConfig("serve", Map.of("tap.offload", String.valueOf(tapOffload)), List.of()))
                        .netDevice("tap:" + tap);
                served = summoner.onDevice("serve", plan.builder(), device, new ServiceAddress("eth0", ip, gateway, port), idle, service);
                where = "http://" + ip.replaceFirst("/.*", "") + (port == 80 ? "" : ":" + port) + "/ (on " + tap + ")";
            }
            out.println("rump serve: serving " + sources + " at " + where + ", summoned on demand, idle after " + Durations.format(idle));
            out.flush();
            untilStopped();
            summoner.close();
            out.println("rump serve: stopped; in all: " + served.totals());
            out.flush();
        }
        return 0;
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
