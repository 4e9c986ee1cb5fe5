package io.jrump.net.channels;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a JVM started with the JVM-wide provider switch: the JDK's HttpServer and HttpClient,
 * unmodified, on 127.0.0.1 inside the kernel. Prints one line per result; exits non-zero on failure.
 */
public final class HttpServerOnKernel {
    private HttpServerOnKernel() {
    }

    public static void main(String[] args) throws Exception {
        int requests = Integer.parseInt(args[0]);
        System.out.println("provider " + SelectorProvider.provider().getClass().getName());
        if (!(SelectorProvider.provider() instanceof SystemSelectorProvider)) {
            System.exit(2);
        }
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 8000), 0);
        server.createContext("/", ex -> {
            byte[] body = ("hello " + ex.getRequestURI().getPath()).getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
            served.incrementAndGet();
        });
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.start();
        System.out.println("server " + server.getAddress());
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        int ok = 0;
        for (int i = 0; i < requests; i++) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:8000/r" + i)).timeout(Duration.ofSeconds(20)).build();
            HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() == 200 && resp.body().equals("hello /r" + i)) {
                ok++;
            }
        }
        System.out.println("ok " + ok + " served " + served.get());
        server.stop(0);
        System.exit(ok == requests ? 0 : 1);
    }
}
