package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.strategy.Strategy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Keeps the example of docs/httpclient.md compiling: the doc's block must appear here verbatim. */
@Timeout(30)
class DocExampleTest {

    private static final Path SOURCE =
            Path.of("src/test/java/io/lbkit/httpclient/DocExampleTest.java");
    private static final Path DOC = Path.of("../docs/httpclient.md");

    /** The documented example, as written (never run: its endpoints are not on loopback). */
    @SuppressWarnings("unused")
    static HttpResponse<String> documentedExample() throws Exception {
        LoadBalancer orders = LoadBalancer.builder(EndpointGroup.of(Endpoint.of("10.0.0.1", 8080),
                                                                    Endpoint.of("10.0.0.2", 8080)))
                .strategy(Strategy.peakEwma())
                .build();
        HttpClient http = BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
                .service("orders", orders)
                .build();
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://orders/items/7")).build(), BodyHandlers.ofString());
        return r;
    }

    private static String normalise(String code) {
        return code.replaceAll("\\s+", " ").strip();
    }

    @Test
    void docExample_isTheCompiledExample() throws Exception {
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(DOC));
        assertTrue(m.find(), "docs/httpclient.md has a java block");
        String doc = normalise(m.group(1));
        assertTrue(normalise(Files.readString(SOURCE)).contains(doc),
                "docs/httpclient.md's first example differs from documentedExample():\n" + doc);
        assertTrue(normalise(Files.readString(Path.of("../README.md"))).contains(doc),
                "README.md must show docs/httpclient.md's first example verbatim:\n" + doc);
    }

    @Test
    void docExampleShape_worksAgainstALoopbackBackend() throws Exception {
        try (Backend backend = Backend.start("orders-1")) {
            LoadBalancer orders = LoadBalancer.builder(EndpointGroup.of(backend.endpoint()))
                    .strategy(Strategy.peakEwma())
                    .build();
            HttpClient http = BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
                    .service("orders", orders)
                    .build();
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://orders/items/7")).build(),
                    BodyHandlers.ofString());
            assertEquals("orders-1", r.body());
            orders.close();
        }
    }
}
