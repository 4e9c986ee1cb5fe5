package io.jrump.net.channels;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Prints the status and body of one GET with the JDK's HttpClient (run in a JVM with the switch). */
public final class Fetch {
    private Fetch() {
    }

    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(args[0])).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("status " + r.statusCode() + " body " + r.body().strip());
        System.exit(0);
    }
}
