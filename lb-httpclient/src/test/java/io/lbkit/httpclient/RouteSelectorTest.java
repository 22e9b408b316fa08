package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.TrafficSplit;
import io.lbkit.strategy.Strategy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Layer-7 routing: a request header chooses the traffic-split route, over real backends. */
@Timeout(60)
class RouteSelectorTest {

    private Backend stable0;
    private Backend stable1;
    private Backend canary0;
    private Backend canary1;
    private DynamicEndpointGroup canaryGroup;
    private TrafficSplit split;
    private final HttpClient plain = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        stable0 = Backend.start("stable0");
        stable1 = Backend.start("stable1");
        canary0 = Backend.start("canary0");
        canary1 = Backend.start("canary1");
        canaryGroup = EndpointGroup.dynamic(canary0.endpoint(), canary1.endpoint());
        split = TrafficSplit.builder()
                .route("stable", LoadBalancer.builder(
                        EndpointGroup.of(stable0.endpoint(), stable1.endpoint()))
                        .strategy(Strategy.roundRobin()).build(), 100)
                .route("canary", LoadBalancer.builder(canaryGroup)
                        .strategy(Strategy.roundRobin()).build(), 0)
                .build();
    }

    @AfterEach
    void stop() {
        split.close();
        for (Backend b : List.of(stable0, stable1, canary0, canary1)) {
            b.close();
        }
    }

    private static HttpRequest request(String canaryHeader) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://orders/items"));
        if (canaryHeader != null) {
            b.header("x-canary", canaryHeader);
        }
        return b.build();
    }

    /** Backend name -> responses, for {@code n} sequential calls. */
    private static Map<String, Integer> send(HttpClient http, HttpRequest request, int n)
            throws Exception {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = http.send(request, BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            seen.merge(r.body(), 1, Integer::sum);
        }
        return seen;
    }

    @Test
    void headerRoutesToTheCanaryEvenAtWeightZero_otherRequestsFollowTheWeights() throws Exception {
        HttpClient http = BalancedHttpClient.newBuilder(plain)
                .routedService("orders", split, RouteSelector.header("x-canary", "1", "canary"))
                .build();

        assertEquals(Map.of("canary0", 50, "canary1", 50), send(http, request("1"), 100));
        assertEquals(Map.of("stable0", 50, "stable1", 50), send(http, request(null), 100));
        assertEquals(Map.of("stable0", 50, "stable1", 50), send(http, request("0"), 100),
                "an unmapped value is split by weight");
        // sendAsync takes the same route
        String async = http.sendAsync(request("1"), BodyHandlers.ofString())
                .get(10, TimeUnit.SECONDS).body();
        assertTrue(async.startsWith("canary"), async);
    }

    @Test
    void unroutedRequestsSplitByWeight_withinBinomialBounds() throws Exception {
        split.weights(Map.of("stable", 50, "canary", 50));
        HttpClient http = BalancedHttpClient.newBuilder(plain)
                .routedService("orders", split, RouteSelector.header("x-canary", "1", "canary"))
                .build();
        int n = 2_000;
        Map<String, Integer> seen = send(http, request(null), n);
        int canary = seen.getOrDefault("canary0", 0) + seen.getOrDefault("canary1", 0);
        double sigma = Math.sqrt(n * 0.5 * 0.5); // binomial(2000, 0.5): 22.4
        assertTrue(Math.abs(canary - n / 2) < 6 * sigma, "canary took " + canary + " of " + n);
        assertEquals(Map.of("canary0", 10, "canary1", 10), send(http, request("1"), 20));
    }

    @Test
    void retriesOfARoutedRequestStayOnItsRoute() throws Exception {
        canary0.status = 503;
        HttpClient http = BalancedHttpClient.newBuilder(plain)
                .routedService("orders", split, RouteSelector.header("x-canary", "1", "canary"))
                .build();
        assertEquals(Map.of("canary1", 40), send(http, request("1"), 40),
                "503s from canary0 are retried on canary1, never on stable");
        assertEquals(0, stable0.requests.get() + stable1.requests.get());
        assertTrue(canary0.requests.get() > 0, "canary0 was tried");
    }

    @Test
    void aRouteWithoutEndpoints_failsRoutedRequestsFast_andUnroutedOnesFallBack() throws Exception {
        split.weights(Map.of("stable", 50, "canary", 50));
        canaryGroup.set(List.of());
        HttpClient http = BalancedHttpClient.newBuilder(plain)
                .routedService("orders", split, RouteSelector.header("x-canary", "1", "canary"))
                .build();

        long start = System.nanoTime();
        NoEndpointAvailableException e = assertThrows(NoEndpointAvailableException.class,
                () -> http.send(request("1"), BodyHandlers.ofString()));
        assertEquals(NoEndpointAvailableException.Reason.EMPTY, e.reason());
        CompletionException async = assertThrows(CompletionException.class,
                () -> http.sendAsync(request("1"), BodyHandlers.ofString()).join());
        assertTrue(async.getCause() instanceof NoEndpointAvailableException, async.toString());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "failed fast");

        assertEquals(Map.of("stable0", 50, "stable1", 50), send(http, request(null), 100),
                "the canary's half falls back to stable");
    }

    @Test
    void aSelectorNamingAnUnknownRoute_failsTheRequest_andHeaderSelectorsAreCheckedAtBuild() {
        HttpClient http = BalancedHttpClient.newBuilder(plain)
                .routedService("orders", split, request -> Optional.of("blue"))
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> http.send(request(null), BodyHandlers.ofString()));
        assertEquals("no route named blue; routes are [stable, canary]", e.getMessage());

        IllegalArgumentException build = assertThrows(IllegalArgumentException.class,
                () -> BalancedHttpClient.newBuilder(plain).routedService("orders", split,
                        RouteSelector.header("x-track", Map.of("b", "blue"))));
        assertEquals("routeSelector names route 'blue', which the split does not have; "
                + "its routes are [stable, canary]", build.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RouteSelector.header(" ", "1", "x"));
        assertThrows(IllegalArgumentException.class,
                () -> RouteSelector.header("x-track", Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> RouteSelector.header("x-track", "1", " "));
        assertEquals(0, stable0.requests.get() + stable1.requests.get()
                + canary0.requests.get() + canary1.requests.get(), "nothing was sent");
    }

    @Test
    void stickyKeyWithRoutes_keepsAKeyOnOneSideAndOneEndpoint() throws Exception {
        split.close();
        split = TrafficSplit.builder()
                .route("stable", LoadBalancer.builder(
                        EndpointGroup.of(stable0.endpoint(), stable1.endpoint()))
                        .strategy(Strategy.ringHash()).build(), 50)
                .route("canary", LoadBalancer.builder(canaryGroup)
                        .strategy(Strategy.ringHash()).build(), 50)
                .build();
        HttpClient http = BalancedHttpClient.newBuilder(plain)
                .routedService("orders", split, RouteSelector.header("x-canary", "1", "canary"),
                        StickyKey.header("x-user"))
                .build();
        Map<String, Integer> backendsSeen = new HashMap<>();
        for (int k = 0; k < 40; k++) {
            HttpRequest r = HttpRequest.newBuilder(URI.create("http://orders/"))
                    .header("x-user", "user-" + k).build();
            Map<String, Integer> seen = send(http, r, 5);
            assertEquals(1, seen.size(), "user-" + k + " stays on one backend: " + seen);
            backendsSeen.merge(seen.keySet().iterator().next(), 1, Integer::sum);
        }
        assertEquals(4, backendsSeen.size(), "40 keys spread over both sides: " + backendsSeen);
        HttpRequest routed = HttpRequest.newBuilder(URI.create("http://orders/"))
                .header("x-user", "user-1").header("x-canary", "1").build();
        Map<String, Integer> seen = send(http, routed, 5);
        assertEquals(1, seen.size(), "a routed key stays on one canary backend: " + seen);
        assertTrue(seen.keySet().iterator().next().startsWith("canary"), seen.toString());
    }
}
