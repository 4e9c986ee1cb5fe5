package io.jrump.net.channels;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two ends of the JVM-wide switch test, each run in a JVM of its own whose
 * {@code jrump.channels.*} properties attach its kernel: {@code server IP PORT} runs the JDK's
 * {@code HttpServer} until its standard input ends; {@code client URL N} fetches N/2 times over
 * one kept-alive connection and N/2 times over new connections (the server closes them) with the
 * JDK's {@code HttpClient}.
 * Each prints what it did, one line per result; the client exits non-zero on any wrong answer.
 */
public final class JdkHttpRoles {
    private JdkHttpRoles() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("provider " + SelectorProvider.provider().getClass().getName());
        if (!(SelectorProvider.provider() instanceof SystemSelectorProvider)) {
            System.exit(2);
        }
        if (args[0].equals("server")) {
            server(args[1], Integer.parseInt(args[2]));
        } else {
            System.exit(client(args[1], Integer.parseInt(args[2])) ? 0 : 1);
        }
    }

    /** Answers "PATH PEER-PORT"; paths under /close/ end their connection after the answer. */
    private static void server(String ip, int port) throws Exception {
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(ip, port), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            byte[] body = (path + " " + ex.getRemoteAddress().getPort()).getBytes(StandardCharsets.US_ASCII);
            if (path.startsWith("/close/")) {
                ex.getResponseHeaders().set("Connection", "close");
            }
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
            served.incrementAndGet();
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        System.out.println("ready " + server.getAddress());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        while (in.readLine() != null) {
            // until the test closes our standard input
        }
        System.out.println("served " + served.get());
        server.stop(0);
        System.exit(0);
    }

    private static boolean client(String base, int requests) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        int ok = 0;
        Set<String> keptPorts = new HashSet<>();
        int changes = 0;
        String last = null;
        for (int i = 0; i < requests; i++) {
            boolean close = i >= requests / 2;
            String path = (close ? "/close/" : "/keep/") + i;
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20)).build();
            HttpResponse<String> resp;
            try {
                resp = client.send(req, HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                System.out.println("request " + path + " failed: " + e);
                break;
            }
            String[] words = resp.body().split(" ");
            if (resp.statusCode() == 200 && words.length == 2 && words[0].equals(path)) {
                ok++;
                if (!close) {
                    keptPorts.add(words[1]);
                }
                if (last != null && !last.equals(words[1])) {
                    changes++;
                }
                last = words[1];
            } else {
                System.out.println("wrong answer to " + path + ": " + resp.statusCode() + " " + resp.body());
            }
        }
        System.out.println("ok " + ok + " of " + requests);
        // the first /close/ request still goes over the kept-alive connection; every later one
        // over a new connection, whose port differs from the one before (short of a random repeat)
        System.out.println("connections kept-alive " + keptPorts.size() + " port changes " + changes);
        return ok == requests && keptPorts.size() == 1 && changes >= requests - requests / 2 - 4;
    }
}
