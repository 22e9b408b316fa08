package io.lbkit.opentelemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.TrafficSplit;
import io.lbkit.retry.RetryBudget;
import io.lbkit.strategy.Strategy;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LbkitTelemetryTest {

    private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.0.0.2", 81);
    private static final Attributes ORDERS =
            Attributes.of(AttributeKey.stringKey("service.peer.name"), "orders");

    private final InMemoryMetricReader reader = InMemoryMetricReader.create();
    private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
            .build();

    @AfterEach
    void tearDown() {
        sdk.close();
    }

    private Metrics collect() {
        return new Metrics(reader.collectAllMetrics());
    }

    private static Attributes orders(String key, String value) {
        return ORDERS.toBuilder().put(key, value).build();
    }

    @Test
    void builder_rejectsBadInput_namingTheField() {
        LbkitTelemetry.Builder b = LbkitTelemetry.builder(sdk).endpointAttributes(true);
        assertEquals("endpointAttributes was already set to true",
                assertThrows(IllegalStateException.class, () -> b.endpointAttributes(false))
                        .getMessage());
        assertThrows(NullPointerException.class, () -> LbkitTelemetry.create(null));
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(A))) {
            assertEquals("service must not be blank", assertThrows(IllegalArgumentException.class,
                    () -> LbkitTelemetry.create(sdk).bind(lb, "")).getMessage());
        }
    }

    @Test
    void callsRefusalsAndUpdates_areRecorded_untilClose() throws Exception {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A);
        try (LoadBalancer lb = LoadBalancer.of(group)) {
            AutoCloseable h = LbkitTelemetry.create(sdk).bind(lb, "orders");
            lb.pick().onSuccess(TimeUnit.MILLISECONDS.toNanos(30));
            lb.pick().onFailure(TimeUnit.MILLISECONDS.toNanos(2));
            lb.pick().release();
            Pick held = lb.pick();
            Metrics m = collect();
            assertEquals(1, m.longValue("lbkit.call.active", ORDERS));
            assertEquals(0.03, m.doubleValue("lbkit.call.time",
                    orders("lbkit.call.outcome", "success")), 1e-12);
            assertEquals(0.002, m.doubleValue("lbkit.call.time",
                    orders("lbkit.call.outcome", "failure")), 1e-12);
            assertEquals(1, m.longValue("lbkit.call.count",
                    orders("lbkit.call.outcome", "success")));
            assertEquals(1, m.longValue("lbkit.call.count",
                    orders("lbkit.call.outcome", "failure")));
            assertEquals(1, m.longValue("lbkit.call.released", ORDERS));
            assertFalse(m.names().contains("lbkit.call.duration"), "no histogram by default");
            held.release();
            group.set(List.of());
            assertThrows(NoEndpointAvailableException.class, lb::pick);
            m = collect();
            assertEquals(1, m.longValue("lbkit.call.rejected",
                    orders("lbkit.rejection.reason", "empty")));
            assertEquals(1, m.longValue("lbkit.discovery.updates", ORDERS));
            assertEquals(0, m.longValue("lbkit.endpoint.count",
                    orders("lbkit.endpoint.state", "healthy")));

            h.close();
            assertThrows(NoEndpointAvailableException.class, lb::pick);
            m = collect();
            assertEquals(1, m.longValue("lbkit.call.rejected",
                    orders("lbkit.rejection.reason", "empty")), "not counted after close");
            assertFalse(m.names().contains("lbkit.call.active"), "callback removed");
        }
    }

    @Test
    void durationHistogram_recordsEachCallFromBindingOn_besideTheCounts() {
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(A))) {
            lb.pick().onSuccess(TimeUnit.MILLISECONDS.toNanos(1)); // before binding
            LbkitTelemetry.builder(sdk).durationHistogram(true).build().bind(lb, "orders");
            lb.pick().onSuccess(TimeUnit.MILLISECONDS.toNanos(30));
            lb.pick().onFailure(TimeUnit.MILLISECONDS.toNanos(2));
            lb.pick().release();
            Metrics m = collect();
            HistogramPointData ok = m.histogram("lbkit.call.duration",
                    orders("lbkit.call.outcome", "success"));
            assertEquals(1, ok.getCount(), "the histogram counts from binding on");
            assertEquals(0.03, ok.getSum(), 1e-12);
            assertEquals(1, m.histogram("lbkit.call.duration",
                    orders("lbkit.call.outcome", "failure")).getCount());
            assertEquals(2, m.longValue("lbkit.call.count",
                    orders("lbkit.call.outcome", "success")), "the counts since the balancer began");
        }
        LbkitTelemetry.Builder b = LbkitTelemetry.builder(sdk).durationHistogram(false);
        assertEquals("durationHistogram was already set to false",
                assertThrows(IllegalStateException.class, () -> b.durationHistogram(true))
                        .getMessage());
    }

    @Test
    void discoveryAge_followsTheTicker() {
        AtomicLong now = new AtomicLong();
        DynamicEndpointGroup group = EndpointGroup.dynamic(A);
        try (LoadBalancer lb = LoadBalancer.of(group)) {
            LbkitTelemetry.builder(sdk).ticker(now::get).build().bind(lb, "orders");
            now.addAndGet(Duration.ofSeconds(40).toNanos());
            assertEquals(40, collect().doubleValue("lbkit.discovery.last_update.age", ORDERS),
                    1e-9);
            group.add(B);
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            assertEquals(2, collect().doubleValue("lbkit.discovery.last_update.age", ORDERS),
                    1e-9);
        }
    }

    @Test
    void endpointAttributes_nameTheServer() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A, B);
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin())
                .build()) {
            LbkitTelemetry.builder(sdk).endpointAttributes(true).build().bind(lb, "orders");
            for (int i = 0; i < 4; i++) {
                lb.pick().onSuccess(1_000);
            }
            Metrics m = collect();
            for (Endpoint e : List.of(A, B)) {
                Attributes at = orders("lbkit.call.outcome", "success").toBuilder()
                        .put("server.address", e.host()).put("server.port", (long) e.port())
                        .build();
                assertEquals(2, m.longValue("lbkit.call.count", at), e.address());
                assertEquals(2e-6, m.doubleValue("lbkit.call.time", at), 1e-15);
            }
        }
    }

    @Test
    void trafficSplit_recordsEveryRouteUnderOneService() {
        LoadBalancer stable = LoadBalancer.of(EndpointGroup.of(A));
        LoadBalancer canary = LoadBalancer.of(EndpointGroup.of(B));
        try (TrafficSplit split = TrafficSplit.builder().route("stable", stable, 1)
                .route("canary", canary, 1).build()) {
            LbkitTelemetry.create(sdk).bind(split, "orders");
            split.route("stable").pick().onSuccess(1);
            split.route("canary").pick().onSuccess(1);
            Metrics m = collect();
            assertEquals(2, m.longValue("lbkit.call.count",
                    orders("lbkit.call.outcome", "success")));
            assertEquals(2, m.longValue("lbkit.endpoint.count",
                    orders("lbkit.endpoint.state", "healthy")));
        }
    }

    @Test
    void retryBudget_reportsItsCumulativeCounts() throws Exception {
        RetryBudget budget = RetryBudget.builder().retryRatio(0).minRetriesPerSecond(1)
                .window(Duration.ofSeconds(2)).ticker(() -> 0).build();
        AutoCloseable h = LbkitTelemetry.create(sdk).bind(budget, "orders");
        for (int i = 0; i < 3; i++) {
            budget.onRequest();
            budget.tryAcquireRetry();
        }
        Metrics m = collect();
        assertEquals(3, m.longValue("lbkit.retry.budget.requests", ORDERS));
        assertEquals(2, m.longValue("lbkit.retries", orders("lbkit.retry.result", "granted")));
        assertEquals(1, m.longValue("lbkit.retries", orders("lbkit.retry.result", "denied")));
        h.close();
        assertFalse(collect().names().contains("lbkit.retries"));
    }

    @Test
    void bind_refusesASecondBindingUnderTheSameName_untilTheFirstIsClosed() throws Exception {
        try (LoadBalancer one = LoadBalancer.of(EndpointGroup.of(A));
                LoadBalancer two = LoadBalancer.of(EndpointGroup.of(B))) {
            LbkitTelemetry t = LbkitTelemetry.create(sdk);
            AutoCloseable first = t.bind(one, "orders");
            assertEquals("a balancer is already bound as service.peer.name=orders; give each its"
                    + " own name, or close the first binding", assertThrows(
                    IllegalStateException.class, () -> t.bind(two, "orders")).getMessage());
            first.close();
            t.bind(two, "orders").close();
            RetryBudget budget = RetryBudget.of();
            t.bind(budget, "orders");
            assertThrows(IllegalStateException.class, () -> t.bind(budget, "orders"));
        }
    }

    @Test
    void noopOpenTelemetry_costsNothingAndFailsNothing() throws Exception {
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(A))) {
            AutoCloseable h = LbkitTelemetry.create(OpenTelemetry.noop()).bind(lb, "orders");
            lb.pick().onSuccess(1);
            h.close();
        }
    }
}
