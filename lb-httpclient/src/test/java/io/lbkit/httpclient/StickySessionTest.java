package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.strategy.Strategy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class StickySessionTest {

    private final Backend[] backends = new Backend[3];
    private DynamicEndpointGroup group;
    private LoadBalancer lb;
    private final HttpClient plain = HttpClient.newHttpClient();

    /** Ring hash: each key's endpoint is fixed while the endpoints are; removal moves only its keys. */
    private final Strategy strategy = Strategy.ringHash();

    @BeforeEach
    void start() throws Exception {
        for (int i = 0; i < 3; i++) {
            backends[i] = Backend.start("b" + i);
        }
        group = EndpointGroup.dynamic(backends[0].endpoint(), backends[1].endpoint(),
                backends[2].endpoint());
        lb = LoadBalancer.builder(group).strategy(strategy).build();
    }

    @AfterEach
    void stop() {
        lb.close();
        for (Backend b : backends) {
            b.close();
        }
    }

    private static String call(HttpClient http, HttpRequest request) throws Exception {
        return http.send(request, BodyHandlers.ofString()).body();
    }

    /** Each key's backend, from 1,000 calls sent 32 at a time. */
    private static Map<String, String> callAll(HttpClient http) throws Exception {
        Map<String, String> result = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(32);
        java.util.List<java.util.concurrent.CompletableFuture<?>> calls = new java.util.ArrayList<>();
        for (int k = 0; k < 1_000; k++) {
            String key = "user-" + k;
            window.acquire();
            calls.add(http.sendAsync(withHeader(key), BodyHandlers.ofString())
                    .whenComplete((r, e) -> window.release())
                    .thenAccept(r -> result.put(key, r.body())));
        }
        java.util.concurrent.CompletableFuture.allOf(calls.toArray(new java.util.concurrent.CompletableFuture<?>[0]))
                .get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(1_000, result.size());
        return result;
    }

    private static HttpRequest withHeader(String user) {
        return HttpRequest.newBuilder(URI.create("http://orders/")).header("x-user", user).build();
    }

    @Test
    void headerKey_keepsEachOf1000KeysOnItsBackendFor10Rounds_andOnlyARemovedBackendsKeysMove()
            throws Exception {
        HttpClient http = BalancedHttpClient.newBuilder(plain)
                .service("orders", lb, StickyKey.header("x-user")).build();
        Map<String, String> home = callAll(http);
        for (int round = 1; round < 10; round++) {
            assertEquals(home, callAll(http), "round " + round);
        }
        Map<String, Integer> perBackend = new HashMap<>();
        home.values().forEach(b -> perBackend.merge(b, 1, Integer::sum));
        assertEquals(3, perBackend.size(), "keys spread over all backends: " + perBackend);

        group.remove(backends[2].endpoint());
        int moved = 0;
        Map<String, String> after = callAll(http);
        for (int k = 0; k < 1_000; k++) {
            String now = after.get("user-" + k);
            if (home.get("user-" + k).equals("b2")) {
                assertNotEquals("b2", now);
                moved++;
            } else {
                assertEquals(home.get("user-" + k), now, "key " + k + " moved needlessly");
            }
        }
        assertEquals(perBackend.get("b2"), moved);
    }

    @Test
    void cookieKey_andFunctionKey_areSticky() throws Exception {
        HttpClient byCookie = BalancedHttpClient.newBuilder(plain)
                .service("orders", lb, StickyKey.cookie("session")).build();
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://orders/"))
                .header("Cookie", "theme=dark; session=\"abc123\"").build();
        String first = call(byCookie, r);
        for (int i = 0; i < 20; i++) {
            assertEquals(first, call(byCookie, r));
        }
        assertEquals(Optional.of("abc123"), StickyKey.cookie("session").key(r));

        HttpClient byPath = BalancedHttpClient.newBuilder(plain).service("orders", lb,
                req -> Optional.of(req.uri().getPath())).build();
        HttpRequest p = HttpRequest.newBuilder(URI.create("http://orders/tenant/42")).build();
        String tenant = call(byPath, p);
        for (int i = 0; i < 20; i++) {
            assertEquals(tenant, call(byPath, p));
        }
    }

    @Test
    void requestWithoutKey_isBalancedOverAllBackends() throws Exception {
        HttpClient http = BalancedHttpClient.newBuilder(plain)
                .service("orders", lb, StickyKey.header("x-user")).build();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            seen.merge(call(http, HttpRequest.newBuilder(URI.create("http://orders/")).build()), 1,
                    Integer::sum);
        }
        assertTrue(seen.size() == 3, seen.toString());
    }
}
