package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.strategy.Strategy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** HTTP/2 end to end: the wrapped client negotiates h2c with real HTTP/2 servers. */
@Timeout(30)
class Http2Test {

    @Test
    void http2_callsAreBalancedAndReported_andAuthorityIsTheEndpoint() throws Exception {
        try (H2cBackend a = new H2cBackend("a"); H2cBackend b = new H2cBackend("b");
                LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(a.endpoint(), b.endpoint()))
                        .strategy(Strategy.roundRobin()).build()) {
            HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
            HttpClient http = BalancedHttpClient.newBuilder(h2).service("orders", lb).build();
            assertEquals(HttpClient.Version.HTTP_2, http.version());
            Map<String, Integer> seen = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://orders/h2")).build(),
                        BodyHandlers.ofString());
                assertEquals(HttpClient.Version.HTTP_2, r.version());
                seen.merge(r.body(), 1, Integer::sum);
            }
            // multiplexed: 20 concurrent streams over the two connections
            CompletableFuture<?>[] all = new CompletableFuture<?>[20];
            for (int i = 0; i < all.length; i++) {
                all[i] = http.sendAsync(HttpRequest.newBuilder(URI.create("http://orders/h2")).build(),
                        BodyHandlers.ofString()).thenAccept(r -> assertEquals(HttpClient.Version.HTTP_2, r.version()));
            }
            CompletableFuture.allOf(all).get(10, TimeUnit.SECONDS);
            assertEquals(Map.of("a", 5, "b", 5), seen);
            assertEquals("127.0.0.1:" + a.port(), a.lastAuthority.get());
            assertEquals(30, lb.stats().stream().mapToLong(EndpointStats::successes).sum());
            assertTrue(lb.stats().stream().allMatch(s -> s.inFlight() == 0));
        }
    }
}
