package io.lbkit.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.LoadBalancerObserver;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthStatus;
import io.lbkit.health.OutlierDetection;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.httpclient.HttpHealthProbe;
import io.lbkit.retry.RetryBudget;
import io.lbkit.retry.RetryPolicy;
import io.lbkit.strategy.Strategy;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real traffic through {@link BalancedHttpClient} to three JDK HttpServer backends on loopback,
 * two of which answer 503 (retries, two ejections, no panic while the healthy one remains);
 * and three whose health checks all fail at once (panic). Recorded through the OpenTelemetry API
 * into the SDK and read back with the SDK's {@link InMemoryMetricReader}: every count must equal
 * what the backends and the caller saw.
 */
class InMemoryReaderEndToEndTest {

    private static final int CALLS = 60;
    /** ratio 0, 1 retry per second over a 10 s window that never moves: exactly 10 retries. */
    private static final int GRANTED = 10;
    private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.peer.name");

    private final List<AutoCloseable> cleanup = new ArrayList<>();

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

    private static Attributes orders(String... more) {
        var b = Attributes.builder().put(SERVICE, "orders");
        for (int i = 0; i < more.length; i += 2) {
            b.put(more[i], more[i + 1]);
        }
        return b.build();
    }

    @Test
    void reader_countsEveryCallRetryEjectionAndPanic_exactly() throws Exception {
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

        InMemoryMetricReader reader = InMemoryMetricReader.create();
        OpenTelemetrySdk sdk = closing(OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
                .build());
        InMemoryMetricReader perEndpointReader = InMemoryMetricReader.create();
        OpenTelemetrySdk perEndpointSdk = closing(OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder()
                        .registerMetricReader(perEndpointReader).build())
                .build());
        closing(LbkitTelemetry.create(sdk).bind(http));
        closing(LbkitTelemetry.builder(perEndpointSdk).endpointAttributes(true)
                .durationHistogram(true).build().bind(http));
        AtomicLong released = new AtomicLong(); // the core's own view of releases, to compare
        lb.observe(new LoadBalancerObserver() {
            @Override
            public void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {
                if (outcome == Outcome.RELEASED) {
                    released.incrementAndGet();
                }
            }
        });

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

        Metrics m = new Metrics(reader.collectAllMetrics());
        int attempts = good.served() + bad1.served() + bad2.served();

        // calls by outcome, exactly what the backends answered
        assertEquals(good.served(), m.longValue("lbkit.call.count",
                orders("lbkit.call.outcome", "success")));
        assertEquals(bad1.served() + bad2.served(), m.longValue("lbkit.call.count",
                orders("lbkit.call.outcome", "failure")));
        assertTrue(m.metric("lbkit.call.count").getLongSumData().isMonotonic());
        MetricData time = m.metric("lbkit.call.time");
        assertEquals("s", time.getUnit());
        assertTrue(time.getDoubleSumData().isMonotonic());
        assertTrue(m.doubleValue("lbkit.call.time", orders("lbkit.call.outcome", "success")) > 0);
        assertFalse(m.names().contains("lbkit.call.duration"), "no histogram by default");
        assertEquals(released.get(), m.longValue("lbkit.call.released", orders()));
        assertEquals(0, m.longValue("lbkit.call.active", orders()));
        for (String reason : List.of("empty", "none_eligible", "at_capacity", "closed")) {
            assertEquals(0, m.longValue("lbkit.call.rejected",
                    orders("lbkit.rejection.reason", reason)), reason);
        }

        // retries: every attempt after a call's first is a granted retry; every 503 the caller
        // saw is a retry the budget denied
        assertEquals(CALLS, m.longValue("lbkit.retry.budget.requests", orders()));
        // Retries skip endpoints known to be failing, so they may stop before the budget of
        // GRANTED runs dry; whatever was granted and denied must be counted exactly.
        int granted = attempts - CALLS;
        assertTrue(granted > 0 && granted <= GRANTED, "attempts beyond the first per call: " + granted);
        assertEquals(granted, m.longValue("lbkit.retries",
                orders("lbkit.retry.result", "granted")));
        assertEquals(unavailable, m.longValue("lbkit.retries",
                orders("lbkit.retry.result", "denied")));
        assertTrue(m.metric("lbkit.retries").getLongSumData().isMonotonic());

        // health: two ejections, no panic (a healthy endpoint remains), endpoints by state
        assertEquals(2, m.longValue("lbkit.health.transitions",
                orders("lbkit.health.transition", "ejected")));
        assertEquals(0, m.longValue("lbkit.health.transitions",
                orders("lbkit.health.transition", "panic_entered")));
        for (String type : List.of("restored", "up", "down", "circuit_opened",
                "circuit_half_open", "circuit_closed", "panic_left")) {
            assertEquals(0, m.longValue("lbkit.health.transitions",
                    orders("lbkit.health.transition", type)), type);
        }
        assertEquals(1, m.longValue("lbkit.endpoint.count",
                orders("lbkit.endpoint.state", "healthy")));
        assertEquals(2, m.longValue("lbkit.endpoint.count",
                orders("lbkit.endpoint.state", "ejected")));
        for (String state : List.of("down", "circuit_open", "circuit_half_open")) {
            assertEquals(0, m.longValue("lbkit.endpoint.count",
                    orders("lbkit.endpoint.state", state)), state);
        }
        assertEquals(0, m.longValue("lbkit.panic", orders()));

        // discovery
        assertEquals(1, m.longValue("lbkit.discovery.updates", orders()));
        double age = m.doubleValue("lbkit.discovery.last_update.age", orders());
        assertTrue(age >= 0 && age < 600, "age " + age);

        // endpoint attributes: off by default, on in the second SDK
        for (MetricData d : m.data) {
            for (var p : d.getData().getPoints()) {
                assertTrue(p.getAttributes().get(AttributeKey.stringKey("server.address")) == null,
                        d.getName() + " " + p.getAttributes());
            }
        }
        Metrics e = new Metrics(perEndpointReader.collectAllMetrics());
        for (Backend b : List.of(good, bad1, bad2)) {
            Attributes at = Attributes.builder().put(SERVICE, "orders")
                    .put("server.address", "127.0.0.1")
                    .put("server.port", (long) b.endpoint().port())
                    .put("lbkit.call.outcome", b == good ? "success" : "failure").build();
            assertEquals(b.served(), e.longValue("lbkit.call.count", at));
            HistogramPointData h = e.histogram("lbkit.call.duration", at);
            assertEquals(b.served(), h.getCount());
            assertEquals(LbkitTelemetry.DURATION_BUCKETS, h.getBoundaries());
        }
        // The aggregate series stay beside the per-endpoint ones (docs/metrics.md); the
        // histogram's went missing once endpoint attributes were on.
        for (String outcome : List.of("success", "failure")) {
            Attributes aggregate = orders("lbkit.call.outcome", outcome);
            long served = outcome.equals("success") ? good.served() : bad1.served() + bad2.served();
            assertEquals(served, e.<LongPointData>exactPoint("lbkit.call.count", aggregate)
                    .getValue(), outcome);
            assertEquals(served, e.<HistogramPointData>exactPoint("lbkit.call.duration", aggregate)
                    .getCount(), outcome);
        }
        MetricData duration = e.metric("lbkit.call.duration");
        assertEquals(MetricDataType.HISTOGRAM, duration.getType());
        assertEquals("s", duration.getUnit());
    }

    /**
     * Panic: three backends that serve every call but whose health checks (real HTTP probes of
     * {@code /health}) all start failing at once. Each goes DOWN on its checks' word alone; once
     * two of three are down the balancer is below its 50 % panic threshold and, as none is known
     * to be failing real calls, routes over all of them (docs/failure-model.md, "Panic").
     */
    @Test
    void reader_countsPanicAndTheCallsServedInIt_exactly() throws Exception {
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
        InMemoryMetricReader reader = InMemoryMetricReader.create();
        OpenTelemetrySdk sdk = closing(OpenTelemetrySdk.builder()
                .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
                .build());
        closing(LbkitTelemetry.builder(sdk).endpointAttributes(true).build().bind(http));

        int before = 12;
        for (int i = 0; i < before; i++) {
            assertEquals(200, send(http, i));
        }
        Metrics calm = new Metrics(reader.collectAllMetrics());
        assertEquals(0, calm.longValue("lbkit.panic", orders()));
        assertEquals(3, calm.longValue("lbkit.endpoint.count",
                orders("lbkit.endpoint.state", "healthy")));

        backends.forEach(Backend::failHealthChecks);
        awaitTrue("every endpoint DOWN on its health checks, and panic", () -> lb.inPanic()
                && lb.stats().stream().allMatch(x -> x.health() == HealthStatus.DOWN));
        int during = 30;
        for (int i = 0; i < during; i++) {
            assertEquals(200, send(http, before + i), "panic routing serves every call");
        }

        Metrics m = new Metrics(reader.collectAllMetrics());
        assertEquals(1, m.longValue("lbkit.panic", orders()));
        assertEquals(1, m.longValue("lbkit.health.transitions",
                orders("lbkit.health.transition", "panic_entered")));
        assertEquals(0, m.longValue("lbkit.health.transitions",
                orders("lbkit.health.transition", "panic_left")));
        assertEquals(3, m.longValue("lbkit.health.transitions",
                orders("lbkit.health.transition", "down")));
        assertEquals(0, m.longValue("lbkit.health.transitions",
                orders("lbkit.health.transition", "up")));
        assertEquals(3, m.longValue("lbkit.endpoint.count",
                orders("lbkit.endpoint.state", "down")));
        assertEquals(0, m.longValue("lbkit.endpoint.count",
                orders("lbkit.endpoint.state", "healthy")));
        // every call, before and during panic, succeeded once and is counted once
        int served = backends.stream().mapToInt(Backend::served).sum();
        assertEquals(before + during, served);
        long total = 0;
        for (Backend b : backends) {
            Attributes at = Attributes.builder().put(SERVICE, "orders")
                    .put("server.address", "127.0.0.1")
                    .put("server.port", (long) b.endpoint().port())
                    .put("lbkit.call.outcome", "success").build();
            assertEquals(b.served(), m.longValue("lbkit.call.count", at));
            assertTrue(b.served() >= during / 3, "round robin over all three in panic");
            total += b.served();
        }
        assertEquals(served, total);
        assertEquals(0, m.longValue("lbkit.call.rejected",
                orders("lbkit.rejection.reason", "none_eligible")));
        assertEquals(0, m.longValue("lbkit.retries", orders("lbkit.retry.result", "granted")));
        assertEquals(before + during, m.longValue("lbkit.retry.budget.requests", orders()));
        assertEquals(0, m.longValue("lbkit.call.active", orders()));
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
}
