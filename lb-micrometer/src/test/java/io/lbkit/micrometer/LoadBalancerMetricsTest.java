package io.lbkit.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.TrafficSplit;
import io.lbkit.retry.RetryBudget;
import io.lbkit.strategy.Strategy;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoadBalancerMetricsTest {

    private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.0.0.2", 80);

    private final MockClock clock = new MockClock();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry(SimpleConfig.DEFAULT, clock);

    private double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        if (c != null) {
            return c.count();
        }
        return registry.get(name).tags(tags).functionTimer().count();
    }

    @Test
    void builder_rejectsBadInput_namingTheField() {
        LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(A));
        assertEquals("service must not be blank", assertThrows(IllegalArgumentException.class,
                () -> LoadBalancerMetrics.of(lb, " ")).getMessage());
        LoadBalancerMetrics.Builder b = LoadBalancerMetrics.builder(lb, "orders")
                .tags(Tags.of("zone", "a"));
        assertTrue(assertThrows(IllegalStateException.class, () -> b.tags(Tags.of("x", "y")))
                .getMessage().startsWith("tags was already set to"));
        b.endpointTags(true);
        assertEquals("endpointTags was already set to true",
                assertThrows(IllegalStateException.class, () -> b.endpointTags(false))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LoadBalancerMetrics.builder(lb, "orders").tags(Tags.of("serviceId", "x")))
                .getMessage().contains("'serviceId'"));
        assertThrows(NullPointerException.class, () -> LoadBalancerMetrics.of(null, "orders"));
        lb.close();
    }

    @Test
    void callsAndRefusals_areCounted_inEveryBoundRegistry_untilClose() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A);
        try (LoadBalancer lb = LoadBalancer.of(group)) {
            SimpleMeterRegistry second = new SimpleMeterRegistry();
            LoadBalancerMetrics m = LoadBalancerMetrics.builder(lb, "orders")
                    .tags(Tags.of("zone", "a")).build();
            m.bindTo(registry);
            m.bindTo(second);
            lb.pick().onSuccess(TimeUnit.MILLISECONDS.toNanos(3));
            lb.pick().onFailure(TimeUnit.MILLISECONDS.toNanos(5));
            lb.pick().release();
            Pick held = lb.pick();
            assertEquals(1, registry.get("lbkit.calls.active").gauge().value());
            held.release();
            group.set(List.of());
            assertThrows(NoEndpointAvailableException.class, lb::pick);

            for (SimpleMeterRegistry r : List.of(registry, second)) {
                var ok = r.get("lbkit.calls").tags("serviceId", "orders", "outcome", "success",
                        "zone", "a").functionTimer();
                assertEquals(1, ok.count());
                assertEquals(3.0, ok.totalTime(TimeUnit.MILLISECONDS), 1e-9);
                assertEquals(1, r.get("lbkit.calls").tags("outcome", "failure").functionTimer()
                        .count());
                assertEquals(2, r.get("lbkit.calls.released").functionCounter().count());
                assertEquals(1, r.get("lbkit.calls.rejected").tags("reason", "empty").counter()
                        .count());
                assertEquals(0, r.get("lbkit.calls.rejected").tags("reason", "closed").counter()
                        .count());
                assertEquals(1, r.get("lbkit.discovery.updates").counter().count());
            }

            m.close();
            assertNull(registry.find("lbkit.calls").meter());
            assertNull(second.find("lbkit.endpoints").meter());
            assertThrows(NoEndpointAvailableException.class, lb::pick);
            assertNull(registry.find("lbkit.calls.rejected").meter(), "closed: not counted");
        }
    }

    @Test
    void bindTo_refusesASecondBalancerWithTheSameTags_ratherThanLoseItsCounts() {
        try (LoadBalancer one = LoadBalancer.of(EndpointGroup.of(A));
                LoadBalancer two = LoadBalancer.of(EndpointGroup.of(B))) {
            LoadBalancerMetrics.of(one, "orders").bindTo(registry);
            assertTrue(assertThrows(IllegalStateException.class,
                    () -> LoadBalancerMetrics.of(two, "orders").bindTo(registry)).getMessage()
                    .contains("give each balancer its own serviceId"));
            LoadBalancerMetrics.of(two, "orders-canary").bindTo(registry); // fine
            try (LoadBalancer three = LoadBalancer.of(EndpointGroup.of(A))) {
                LoadBalancerMetrics.builder(three, "orders").tags(Tags.of("zone", "b")).build()
                        .bindTo(registry); // other tags: its own meters
                assertEquals(3, registry.get("lbkit.calls.active").gauges().size());
            }
            RetryBudget budget = RetryBudget.of();
            RetryBudgetMetrics.of(budget, "orders").bindTo(registry);
            assertThrows(IllegalStateException.class,
                    () -> RetryBudgetMetrics.of(RetryBudget.of(), "orders").bindTo(registry));
        }
    }

    @Test
    void latencyHistogram_makesTheCallsMeterAFullTimer() {
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(A))) {
            LoadBalancerMetrics.builder(lb, "orders").latencyHistogram(true).build()
                    .bindTo(registry);
            lb.pick().onSuccess(TimeUnit.MILLISECONDS.toNanos(7));
            var t = registry.get("lbkit.calls").tags("outcome", "success").timer();
            assertEquals(1, t.count());
            assertEquals(7.0, t.max(TimeUnit.MILLISECONDS), 1e-9);
            // its buckets: PrometheusEndToEndTest reads lbkit_calls_seconds_bucket
        }
        LoadBalancerMetrics.Builder b = LoadBalancerMetrics.builder(
                LoadBalancer.of(EndpointGroup.of(A)), "x").latencyHistogram(false);
        assertEquals("latencyHistogram was already set to false",
                assertThrows(IllegalStateException.class, () -> b.latencyHistogram(true))
                        .getMessage());
    }

    @Test
    void discoveryAge_followsTheRegistryClock() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A);
        try (LoadBalancer lb = LoadBalancer.of(group)) {
            LoadBalancerMetrics.of(lb, "orders").bindTo(registry);
            clock.add(Duration.ofSeconds(40));
            var age = registry.get("lbkit.discovery.last.update.age").timeGauge();
            assertEquals(40, age.value(TimeUnit.SECONDS), 1e-9);
            group.add(B);
            assertEquals(0, age.value(TimeUnit.SECONDS), 1e-9);
            clock.add(Duration.ofSeconds(2));
            assertEquals(2, age.value(TimeUnit.SECONDS), 1e-9);
            assertEquals(2, registry.get("lbkit.endpoints").tags("state", "healthy").gauge()
                    .value());
            assertEquals(0, registry.get("lbkit.panic").gauge().value());
        }
    }

    @Test
    void endpointTags_addPerEndpointMeters_removedWhenTheEndpointLeaves() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A, B);
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin()).build()) {
            LoadBalancerMetrics.builder(lb, "orders").endpointTags(true).build().bindTo(registry);
            for (int i = 0; i < 4; i++) {
                lb.pick().onSuccess(1_000);
            }
            double a = count("lbkit.calls", "endpoint", A.address(), "outcome", "success");
            double b = count("lbkit.calls", "endpoint", B.address(), "outcome", "success");
            assertEquals(2, a);
            assertEquals(2, b);
            assertEquals(4, registry.get("lbkit.calls").tags("outcome", "success")
                    .functionTimers().stream().filter(t -> t.getId().getTag("endpoint") == null)
                    .mapToDouble(t -> t.count()).sum(), "the aggregate counts every call too");
            group.remove(B);
            assertNull(registry.find("lbkit.calls").tags("endpoint", B.address()).meter());
            assertEquals(a, count("lbkit.calls", "endpoint", A.address(), "outcome", "success"));
        }
    }

    @Test
    void trafficSplit_countsEveryRouteUnderOneService() {
        LoadBalancer stable = LoadBalancer.of(EndpointGroup.of(A));
        LoadBalancer canary = LoadBalancer.of(EndpointGroup.of(B));
        try (TrafficSplit split = TrafficSplit.builder().route("stable", stable, 1)
                .route("canary", canary, 1).build()) {
            LoadBalancerMetrics.of(split, "orders").bindTo(registry);
            split.route("stable").pick().onSuccess(1);
            split.route("canary").pick().onSuccess(1);
            assertEquals(2, registry.get("lbkit.calls").tags("outcome", "success")
                    .functionTimer().count());
            assertEquals(2, registry.get("lbkit.endpoints").tags("state", "healthy").gauge()
                    .value());
        }
    }

    @Test
    void retryBudgetMetrics_readTheBudgetsCumulativeCounts() {
        RetryBudget budget = RetryBudget.builder().retryRatio(0).minRetriesPerSecond(1)
                .window(Duration.ofSeconds(2)).ticker(() -> 0).build();
        RetryBudgetMetrics m = RetryBudgetMetrics.of(budget, "orders");
        m.bindTo(registry);
        for (int i = 0; i < 3; i++) {
            budget.onRequest();
            budget.tryAcquireRetry();
        }
        assertEquals(3, registry.get("lbkit.retry.budget.requests").functionCounter().count());
        assertEquals(2, registry.get("lbkit.retries").tags("result", "granted").functionCounter()
                .count());
        assertEquals(1, registry.get("lbkit.retries").tags("result", "denied").functionCounter()
                .count());
        m.close();
        assertNull(registry.find("lbkit.retries").meter());
    }
}
