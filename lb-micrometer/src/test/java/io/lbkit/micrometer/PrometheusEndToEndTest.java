package io.lbkit.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.LoadBalancerObserver;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthStatus;
import io.lbkit.health.OutlierDetection;
import io.lbkit.httpclient.HttpHealthProbe;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.retry.RetryBudget;
import io.lbkit.retry.RetryPolicy;
import io.lbkit.strategy.Strategy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real traffic through {@link BalancedHttpClient} to three JDK HttpServer backends on loopback,
 * two of which answer 503: their failures are retried on another backend, both are ejected, and
 * the balancer stays out of panic while the healthy one remains. The meters are read back the way
 * Prometheus reads them, over HTTP from a scrape endpoint, and every count must equal what the
 * backends and the caller saw. A second test drives the balancer into panic with real health
 * checks and counts the calls served in it.
 */
class PrometheusEndToEndTest {

    private static final int CALLS = 60;
    /** ratio 0, 1 retry per second over a 10 s window that never moves: exactly 10 retries. */
    private static final int GRANTED = 10;

    private final java.util.List<AutoCloseable> cleanup = new java.util.ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T t) {
        cleanup.add(t);
        return t;
    }

    @Test
    void scrape_countsEveryCallRetryEjectionAndPanic_exactly() throws Exception {
        Backend good = closing(new Backend(200));
        Backend bad1 = closing(new Backend(503));
        Backend bad2 = closing(new Backend(503));
        DynamicEndpointGroup group = closing(EndpointGroup.dynamic(good.endpoint(),
                bad1.endpoint()));
        LoadBalancer lb = closing(LoadBalancer.builder(group)
                .strategy(Strategy.roundRobin())
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(3)
                        .maxEjectionPercent(100).interval(Duration.ofHours(1))
                        .baseEjectionTime(Duration.ofHours(1)).maxEjectionTime(Duration.ofHours(1))
                        .build())
                .build());
        AtomicLong frozen = new AtomicLong();
        RetryBudget budget = RetryBudget.builder().retryRatio(0).minRetriesPerSecond(1)
                .window(Duration.ofSeconds(10)).ticker(frozen::get).build();
        BalancedHttpClient http = BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
                .service("orders", lb)
                .retryPolicy(RetryPolicy.builder().maxAttempts(10)
                        .backoff(Duration.ZERO, Duration.ZERO).build())
                .retryBudget(budget)
                .build();

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrometheusMeterRegistry perEndpoint = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        closing(registry::close);
        closing(perEndpoint::close);
        BalancedHttpClientMetrics.of(http).bindTo(registry);
        BalancedHttpClientMetrics.builder(http).endpointTags(true).latencyHistogram(true).build()
                .bindTo(perEndpoint);
        AtomicLong released = new AtomicLong(); // the core's own view of releases, to compare
        lb.observe(new LoadBalancerObserver() {
            @Override
            public void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {
                if (outcome == Outcome.RELEASED) {
                    released.incrementAndGet();
                }
            }
        });
        HttpServer scrapeServer = serve(registry, perEndpoint);

        group.add(bad2.endpoint()); // one discovery update after binding
        int unavailable = 0;
        for (int i = 0; i < CALLS; i++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create("http://orders/items/" + i)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 503) {
                unavailable++;
            } else {
                assertEquals(200, r.statusCode());
            }
        }
        // Two of three ejected is below the 50 % panic threshold, but panic never adds back
        // endpoints known to be failing while a healthy one remains (docs/failure-model.md).
        assertFalse(lb.inPanic(), "both 503 backends ejected, the healthy one serves: no panic");

        URI base = URI.create("http://127.0.0.1:" + scrapeServer.getAddress().getPort());
        Scrape s = scrape(base.resolve("/metrics"));
        String orders = "orders";
        int attempts = good.served() + bad1.served() + bad2.served();

        // calls by outcome, exactly what the backends answered
        assertEquals(good.served(), s.value("lbkit_calls_seconds_count",
                "serviceId", orders, "outcome", "success"));
        assertEquals(bad1.served() + bad2.served(), s.value("lbkit_calls_seconds_count",
                "serviceId", orders, "outcome", "failure"));
        assertTrue(s.value("lbkit_calls_seconds_sum", "serviceId", orders, "outcome", "success")
                > 0);
        assertEquals(released.get(), s.value("lbkit_calls_released_total", "serviceId", orders));
        assertEquals(0, s.value("lbkit_calls_active", "serviceId", orders));
        for (String reason : List.of("empty", "none_eligible", "at_capacity", "closed")) {
            assertEquals(0, s.value("lbkit_calls_rejected_total", "serviceId", orders,
                    "reason", reason), reason);
        }

        // retries: every attempt after a call's first is a granted retry; every 503 the caller
        // saw is a retry the budget denied
        assertEquals(CALLS, s.value("lbkit_retry_budget_requests_total", "serviceId", orders));
        // Retries skip endpoints known to be failing, so they may stop before the budget of
        // GRANTED runs dry; whatever was granted and denied must be counted exactly.
        int granted = attempts - CALLS;
        assertTrue(granted > 0 && granted <= GRANTED, "attempts beyond the first per call: " + granted);
        assertEquals(granted, s.value("lbkit_retries_total", "serviceId", orders,
                "result", "granted"));
        assertEquals(unavailable, s.value("lbkit_retries_total", "serviceId", orders,
                "result", "denied"));

        // health: two ejections, no panic (a healthy endpoint remains), endpoints by state
        assertEquals(2, s.value("lbkit_health_transitions_total", "serviceId", orders,
                "type", "ejected"));
        assertEquals(0, s.value("lbkit_health_transitions_total", "serviceId", orders,
                "type", "panic_entered"));
        for (String type : List.of("restored", "up", "down", "circuit_opened",
                "circuit_half_open", "circuit_closed", "panic_left")) {
            assertEquals(0, s.value("lbkit_health_transitions_total", "serviceId", orders,
                    "type", type), type);
        }
        assertEquals(1, s.value("lbkit_endpoints", "serviceId", orders, "state", "healthy"));
        assertEquals(2, s.value("lbkit_endpoints", "serviceId", orders, "state", "ejected"));
        assertEquals(0, s.value("lbkit_endpoints", "serviceId", orders, "state", "down"));
        assertEquals(0, s.value("lbkit_endpoints", "serviceId", orders, "state", "circuit_open"));
        assertEquals(0, s.value("lbkit_panic", "serviceId", orders));

        // discovery
        assertEquals(1, s.value("lbkit_discovery_updates_total", "serviceId", orders));
        double age = s.value("lbkit_discovery_last_update_age_seconds", "serviceId", orders);
        assertTrue(age >= 0 && age < 600, "age " + age);

        // per-endpoint tags are off by default, and on in the second registry
        assertFalse(s.samples.stream().anyMatch(x -> x.labels().containsKey("endpoint")));
        Scrape e = scrape(base.resolve("/per-endpoint"));
        assertEquals(good.served(), e.value("lbkit_calls_seconds_count", "serviceId", orders,
                "outcome", "success", "endpoint", good.endpoint().address()));
        for (Backend b : List.of(bad1, bad2)) {
            assertEquals(b.served(), e.value("lbkit_calls_seconds_count", "serviceId", orders,
                    "outcome", "failure", "endpoint", b.endpoint().address()));
            assertTrue(b.served() >= 3, "each bad backend failed enough to be ejected");
        }
        // ... with a percentile histogram there: its +Inf bucket counts every call
        assertEquals(good.served(), e.value("lbkit_calls_seconds_bucket", "serviceId", orders,
                "outcome", "success", "endpoint", good.endpoint().address(), "le", "+Inf"));
        assertFalse(s.has("lbkit_calls_seconds_bucket"), "no histogram by default");
        assertTrue(e.has("lbkit_calls_seconds_max"));
    }

    /**
     * Panic: three backends that serve every call but whose health checks (real HTTP probes of
     * {@code /health}) all start failing at once. Each goes DOWN on its checks' word alone; once
     * two of three are down the balancer is below its 50 % panic threshold and, as none is known
     * to be failing real calls, routes over all of them (docs/failure-model.md, "Panic").
     */
    @Test
    void scrape_countsPanicAndTheCallsServedInIt_exactly() throws Exception {
        List<Backend> backends = List.of(closing(new Backend(200)), closing(new Backend(200)),
                closing(new Backend(200)));
        HttpClient plain = HttpClient.newHttpClient();
        LoadBalancer lb = closing(LoadBalancer.builder(EndpointGroup.of(
                        backends.stream().map(Backend::endpoint).toList()))
                .strategy(Strategy.roundRobin())
                .healthCheck(HealthCheck.builder(HttpHealthProbe.of(plain))
                        .interval(Duration.ofMillis(50)).timeout(Duration.ofSeconds(5))
                        .fall(2).rise(1).jitterPercent(0).build())
                .build());
        BalancedHttpClient http = BalancedHttpClient.newBuilder(plain)
                .service("orders", lb)
                .retryPolicy(RetryPolicy.builder().maxAttempts(3)
                        .backoff(Duration.ZERO, Duration.ZERO).build())
                .build();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PrometheusMeterRegistry perEndpoint = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        closing(registry::close);
        closing(perEndpoint::close);
        BalancedHttpClientMetrics.of(http).bindTo(registry);
        BalancedHttpClientMetrics.builder(http).endpointTags(true).build().bindTo(perEndpoint);
        HttpServer scrapeServer = serve(registry, perEndpoint);
        URI base = URI.create("http://127.0.0.1:" + scrapeServer.getAddress().getPort());
        URI metrics = base.resolve("/metrics");

        int before = 12;
        for (int i = 0; i < before; i++) {
            assertEquals(200, send(http, i));
        }
        Scrape calm = scrape(metrics);
        assertEquals(0, calm.value("lbkit_panic", "serviceId", "orders"));
        assertEquals(3, calm.value("lbkit_endpoints", "serviceId", "orders", "state", "healthy"));

        backends.forEach(Backend::failHealthChecks);
        awaitTrue("every endpoint DOWN on its health checks, and panic", () -> lb.inPanic()
                && lb.stats().stream().allMatch(e -> e.health() == HealthStatus.DOWN));
        int during = 30;
        for (int i = 0; i < during; i++) {
            assertEquals(200, send(http, before + i), "panic routing serves every call");
        }

        Scrape s = scrape(metrics);
        String orders = "orders";
        assertEquals(1, s.value("lbkit_panic", "serviceId", orders));
        assertEquals(1, s.value("lbkit_health_transitions_total", "serviceId", orders,
                "type", "panic_entered"));
        assertEquals(0, s.value("lbkit_health_transitions_total", "serviceId", orders,
                "type", "panic_left"));
        assertEquals(3, s.value("lbkit_health_transitions_total", "serviceId", orders,
                "type", "down"));
        assertEquals(0, s.value("lbkit_health_transitions_total", "serviceId", orders,
                "type", "up"));
        assertEquals(3, s.value("lbkit_endpoints", "serviceId", orders, "state", "down"));
        assertEquals(0, s.value("lbkit_endpoints", "serviceId", orders, "state", "healthy"));
        // every call, before and during panic, succeeded once and is counted once
        int served = backends.stream().mapToInt(Backend::served).sum();
        assertEquals(before + during, served);
        assertEquals(served, s.value("lbkit_calls_seconds_count", "serviceId", orders,
                "outcome", "success"));
        assertEquals(0, s.value("lbkit_calls_seconds_count", "serviceId", orders,
                "outcome", "failure"));
        Scrape e = scrape(base.resolve("/per-endpoint"));
        for (Backend b : backends) {
            assertEquals(b.served(), e.value("lbkit_calls_seconds_count", "serviceId", orders,
                    "outcome", "success", "endpoint", b.endpoint().address()));
            assertTrue(b.served() >= during / 3, "round robin over all three in panic");
        }
        assertEquals(0, s.value("lbkit_calls_rejected_total", "serviceId", orders,
                "reason", "none_eligible"));
        assertEquals(0, s.value("lbkit_retries_total", "serviceId", orders, "result",
                "granted"));
        assertEquals(before + during, s.value("lbkit_retry_budget_requests_total",
                "serviceId", orders));
        assertEquals(0, s.value("lbkit_calls_active", "serviceId", orders));
    }

    private static int send(HttpClient http, int i) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://orders/items/" + i)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Polls {@code condition} every 10 ms for up to 30 s (health checks on a loaded machine). */
    private static void awaitTrue(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // paces the polling
        }
    }

    /** Serves each registry's scrape output on loopback, as a Prometheus target would. */
    private HttpServer serve(PrometheusMeterRegistry main, PrometheusMeterRegistry perEndpoint)
            throws java.io.IOException {
        HttpServer server = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", x -> respond(x, main.scrape()));
        server.createContext("/per-endpoint", x -> respond(x, perEndpoint.scrape()));
        server.start();
        closing(() -> server.stop(0));
        return server;
    }

    private static void respond(com.sun.net.httpserver.HttpExchange x, String text)
            throws java.io.IOException {
        try (x) {
            byte[] body = text.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
        }
    }

    private Scrape scrape(URI uri) throws Exception {
        HttpClient plain = HttpClient.newHttpClient();
        HttpResponse<String> r = plain.send(HttpRequest.newBuilder(uri)
                .header("Accept", "text/plain;version=0.0.4").timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        return new Scrape(r.body());
    }
}
