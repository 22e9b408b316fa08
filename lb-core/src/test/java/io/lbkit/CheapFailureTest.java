package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lbkit.strategy.Strategy;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regression tests: every failed pick built a {@link NoEndpointAvailableException} with a stack
 * trace (also under load shedding, AT_CAPACITY), and a {@link TrafficSplit} threw and caught one
 * on every fallback pick. Failures must cost what successes do; the cost itself is measured by
 * {@code FailurePickBenchmark} and {@code AllocationCheck} in {@code jmh/}.
 */
class CheapFailureTest {

    private static final Endpoint A = Endpoint.of("10.8.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.8.0.2", 80);

    @Test
    void atCapacity_throwsOneSharedExceptionWithoutAStackTrace() {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A, B))
                .strategy(Strategy.roundRobin()).maxRequestsPerEndpoint(1).build()) {
            Pick a = lb.pick();
            Pick b = lb.pick();
            NoEndpointAvailableException first = assertThrows(NoEndpointAvailableException.class,
                    lb::pick);
            NoEndpointAvailableException second = assertThrows(
                    NoEndpointAvailableException.class, () -> lb.pick(42L));
            assertEquals(NoEndpointAvailableException.Reason.AT_CAPACITY, first.reason());
            assertSame(first, second, "one exception per table and reason");
            assertEquals(0, first.getStackTrace().length);
            first.addSuppressed(new RuntimeException("context"));
            assertEquals(0, first.getSuppressed().length, "shared: immutable");
            a.onSuccess(0);
            b.onSuccess(0);
            lb.pick().onSuccess(0); // capacity is back
        }
    }

    @Test
    void emptyGroup_throwsOneSharedExceptionWithoutAStackTrace() {
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(List.of()))) {
            NoEndpointAvailableException first = assertThrows(NoEndpointAvailableException.class,
                    lb::pick);
            NoEndpointAvailableException second = assertThrows(
                    NoEndpointAvailableException.class, () -> lb.pick("key"));
            assertEquals(NoEndpointAvailableException.Reason.EMPTY, first.reason());
            assertSame(first, second);
            assertEquals(0, first.getStackTrace().length);
        }
    }

    @Test
    void trafficSplitFallback_picksTheOtherRoute_forEveryFormOfPick() {
        LoadBalancer stable = LoadBalancer.builder(EndpointGroup.of(A)).build();
        LoadBalancer canary = LoadBalancer.builder(EndpointGroup.of(List.of())).build();
        try (TrafficSplit split = TrafficSplit.builder().route("stable", stable, 1)
                .route("canary", canary, 99).build()) {
            for (int i = 0; i < 100; i++) {
                assertEquals(A, take(split.pick()));
                assertEquals(A, take(split.pick((long) i)));
                assertEquals(A, take(split.pick("user-" + i)));
                assertEquals(A, take(split.pick(new byte[] {(byte) i})));
            }
            assertEquals(0, stable.stats().get(0).inFlight());
        }
    }

    @Test
    void nestedTrafficSplit_fallsBackThroughTheInnerSplit() {
        LoadBalancer empty1 = LoadBalancer.of(EndpointGroup.of(List.of()));
        LoadBalancer empty2 = LoadBalancer.of(EndpointGroup.of(List.of()));
        LoadBalancer good = LoadBalancer.of(EndpointGroup.of(B));
        TrafficSplit inner = TrafficSplit.builder().route("x", empty1, 50).route("y", good, 50)
                .build();
        try (TrafficSplit outer = TrafficSplit.builder().route("empty", empty2, 90)
                .route("inner", inner, 10).build()) {
            for (int i = 0; i < 50; i++) {
                assertEquals(B, take(outer.pick()));
                assertEquals(B, take(outer.pick("k" + i)));
            }
        }
    }

    @Test
    void trafficSplitWithNoEndpointAnywhere_throwsTheDrawnRoutesException() {
        LoadBalancer a = LoadBalancer.of(EndpointGroup.of(List.of()));
        LoadBalancer b = LoadBalancer.of(EndpointGroup.of(List.of()));
        try (TrafficSplit split = TrafficSplit.builder().route("a", a, 1).route("b", b, 1)
                .build()) {
            NoEndpointAvailableException e = assertThrows(NoEndpointAvailableException.class,
                    () -> split.pick(7L));
            assertEquals(NoEndpointAvailableException.Reason.EMPTY, e.reason());
        }
    }

    private static Endpoint take(Pick p) {
        p.onSuccess(0);
        return p.endpoint();
    }
}
