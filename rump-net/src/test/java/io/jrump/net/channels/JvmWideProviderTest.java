package io.jrump.net.channels;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jrump.platform.host.HostTools;
import io.jrump.testing.Peers;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The JVM-wide switch in forked JVMs (the provider is chosen once per JVM): the JDK's own
 * HttpServer and HttpClient, unmodified, over kernels the {@code jrump.channels.*} properties
 * boot and attach.
 */
class JvmWideProviderTest {
    private static final int REQUESTS = 1000;

    private static List<String> java(List<String> props, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Djava.nio.channels.spi.SelectorProvider=" + SystemSelectorProvider.class.getName());
        cmd.addAll(props);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String finish(Process p, int seconds) throws Exception {
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getInputStream().readAllBytes();
            } catch (java.io.IOException e) {
                return new byte[0];
            }
        });
        boolean ended = p.waitFor(seconds, TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String s = new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        System.out.println(s);
        assertTrue(ended, "the forked JVM ended:\n" + s);
        return s;
    }

    @Test
    void jdkHttpServerAndClientRunOverTheKernelsLoopback() throws Exception {
        int requests = 50;
        Process p = new ProcessBuilder(java(List.of(), HttpServerOnKernel.class, Integer.toString(requests)))
                .redirectErrorStream(true).start();
        String out = finish(p, 120);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("provider " + SystemSelectorProvider.class.getName()), out);
        assertTrue(out.contains("ok " + requests + " served " + requests), out);
    }

    /**
     * Two JVMs, each with its kernel: the server's {@code eth0} listens for a cable on a host port,
     * the client's plugs into it; the client's HttpClient fetches from the server's HttpServer,
     * half over one kept-alive connection, half over new connections.
     */
    @Test
    void clientInOneKernelFetchesFromServerInAnotherOverALink() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> server = java(List.of("-Djrump.channels.attach=link:listen:127.0.0.1:" + port,
                "-Djrump.channels.address=10.0.0.2/24"), JdkHttpRoles.class, "server", "10.0.0.2", "8000");
        List<String> client = java(List.of("-Djrump.channels.attach=link:connect:127.0.0.1:" + port,
                "-Djrump.channels.address=10.0.0.1/24"), JdkHttpRoles.class, "client", "http://10.0.0.2:8000", Integer.toString(REQUESTS));
        twoJvms(server, client);
    }

    /**
     * The same over the real network: each JVM's kernel on a TAP of its own, both TAPs on a Linux
     * bridge in a network namespace made for the test (root only).
     */
    @Test
    void clientInOneKernelFetchesFromServerInAnotherOverTaps() throws Exception {
        Peers.requireRoot("TAP devices and a network namespace need CAP_NET_ADMIN");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun");
        Peers.require("ip", "iproute2");
        long pid = ProcessHandle.current().pid();
        String ns = "jrump-jvmwide-" + pid;
        String tapS = "jrs" + pid % 100000;
        String tapC = "jrc" + pid % 100000;
        Peers.ok("ip", "netns", "add", ns);
        try {
            Peers.ok("ip", "-n", ns, "link", "add", "br0", "type", "bridge");
            Peers.ok("ip", "-n", ns, "link", "set", "br0", "up");
            for (String tap : List.of(tapS, tapC)) {
                Peers.ok("ip", "-n", ns, "tuntap", "add", "dev", tap, "mode", "tap");
                Peers.ok("ip", "-n", ns, "link", "set", tap, "master", "br0");
                Peers.ok("ip", "-n", ns, "link", "set", tap, "up");
            }
            String ipCmd = HostTools.find("ip").orElseThrow().toString();
            List<String> server = new ArrayList<>(List.of(ipCmd, "netns", "exec", ns));
            server.addAll(java(List.of("-Djrump.channels.attach=tap:" + tapS, "-Djrump.channels.address=10.9.0.2/24"),
                    JdkHttpRoles.class, "server", "10.9.0.2", "8000"));
            List<String> client = new ArrayList<>(List.of(ipCmd, "netns", "exec", ns));
            client.addAll(java(List.of("-Djrump.channels.attach=tap:" + tapC, "-Djrump.channels.address=10.9.0.1/24"),
                    JdkHttpRoles.class, "client", "http://10.9.0.2:8000", Integer.toString(REQUESTS)));
            twoJvms(server, client);
        } finally {
            Peers.run("ip", "netns", "delete", ns);
        }
    }

    /** The README's HelloServer, unmodified, on a kernel attached by its command line; a HttpClient in another JVM's kernel fetches. */
    @Test
    void readmeHelloServerServesAnotherJvmsKernel() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Process server = new ProcessBuilder(java(List.of("-Djrump.channels.attach=link:listen:127.0.0.1:" + port,
                "-Djrump.channels.address=10.0.0.2/24"), HelloServer.class)).redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return lines.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            }).get(60, TimeUnit.SECONDS);
            assertEquals("ready /0.0.0.0:8000", first);
            Process client = new ProcessBuilder(java(List.of("-Djrump.channels.attach=link:connect:127.0.0.1:" + port,
                    "-Djrump.channels.address=10.0.0.1/24"), Fetch.class, "http://10.0.0.2:8000/")).redirectErrorStream(true).start();
            String out = finish(client, 120);
            assertEquals(0, client.exitValue(), out);
            assertTrue(out.contains("status 200 body hello from a jrump kernel"), out);
        } finally {
            server.destroyForcibly();
        }
    }

    private static void twoJvms(List<String> serverCmd, List<String> clientCmd) throws Exception {
        Process server = new ProcessBuilder(serverCmd).redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder head = new StringBuilder();
            CompletableFuture<Boolean> ready = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l; (l = lines.readLine()) != null; ) {
                        head.append(l).append('\n');
                        if (l.startsWith("ready ")) {
                            return true;
                        }
                    }
                } catch (java.io.IOException e) {
                    // ended
                }
                return false;
            });
            assertTrue(ready.get(60, TimeUnit.SECONDS), "the server JVM started:\n" + head);
            Process client = new ProcessBuilder(clientCmd).redirectErrorStream(true).start();
            String out = finish(client, 300);
            assertEquals(0, client.exitValue(), out);
            assertTrue(out.contains("ok " + REQUESTS + " of " + REQUESTS), out);
            assertTrue(out.contains("connections kept-alive 1 "), out);
            server.getOutputStream().close();
            StringBuilder rest = new StringBuilder();
            for (String l; (l = lines.readLine()) != null; ) {
                rest.append(l).append('\n');
            }
            assertTrue(server.waitFor(60, TimeUnit.SECONDS));
            System.out.println(head + rest.toString());
            assertTrue(rest.toString().contains("served " + REQUESTS), head + rest.toString());
        } finally {
            server.destroyForcibly();
        }
    }
}
