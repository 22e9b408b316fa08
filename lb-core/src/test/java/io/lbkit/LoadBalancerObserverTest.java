package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.LoadBalancerObserver.Outcome;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadBalancerObserverTest {

    private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.0.0.2", 80);
    private static final Endpoint C = Endpoint.of("10.0.0.3", 80);

    /** Records everything it is told, in order. */
    static final class Recorder implements LoadBalancerObserver {
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {
            seen.add("call " + endpoint.address() + " " + outcome + " " + latencyNanos);
        }

        @Override
        public void onRejected(NoEndpointAvailableException.Reason reason) {
            seen.add("rejected " + reason);
        }

        @Override
        public void onHealthEvent(HealthEvent event) {
            seen.add("event " + event.type()
                    + event.endpoint().map(e -> " " + e.address()).orElse(""));
        }

        @Override
        public void onEndpoints(List<Endpoint> endpoints) {
            seen.add("endpoints " + endpoints.size());
        }
    }

    @Test
    void onCall_seesEveryReportWithOutcomeAndLatency() {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A))
                .outlierDetection(OutlierDetection.disabled()).build()) {
            Recorder r = new Recorder();
            lb.observe(r);
            lb.pick().onSuccess(1_000);
            lb.pick().onFailure(2_000);
            lb.pick().release();
            lb.pick().onSuccess(-5); // negative latency counts as 0, as for the balancer
            assertEquals(List.of("call 10.0.0.1:80 SUCCESS 1000", "call 10.0.0.1:80 FAILURE 2000",
                    "call 10.0.0.1:80 RELEASED 0", "call 10.0.0.1:80 SUCCESS 0"), r.seen);
            assertEquals(0, lb.stats().get(0).inFlight());
        }
    }

    @Test
    void observe_seesNothingBeforeAndNothingAfterClose() {
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(A))) {
            Pick early = lb.pick();
            Recorder r = new Recorder();
            EndpointGroup.Subscription s = lb.observe(r);
            early.onSuccess(1);
            s.close();
            s.close(); // idempotent
            lb.pick().onSuccess(2);
            assertEquals(List.of("call 10.0.0.1:80 SUCCESS 1"), r.seen);
        }
    }

    @Test
    void throwingObserver_doesNotStopTheReportOrTheOthers() {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A))
                .outlierDetection(OutlierDetection.disabled()).build()) {
            lb.observe(new LoadBalancerObserver() {
                @Override
                public void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {
                    throw new IllegalStateException("observer bug");
                }
            });
            Recorder r = new Recorder();
            lb.observe(r);
            lb.pick().onFailure(7);
            assertEquals(List.of("call 10.0.0.1:80 FAILURE 7"), r.seen);
            assertEquals(1, lb.stats().get(0).failures());
            assertEquals(0, lb.stats().get(0).inFlight());
        }
    }

    /** An Error is a throw too: it escaped Pick.onSuccess, and the later observers missed calls. */
    @Test
    void observerThrowingAnError_doesNotStopTheReportOrTheOthers() {
        final class ObserverBug extends Error {
            ObserverBug() {
                super("observer bug");
            }
        }
        List<String> listened = Collections.synchronizedList(new ArrayList<>());
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A))
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1)
                        .maxEjectionPercent(100).build())
                .healthListener(e -> {
                    listened.add(e.type().name());
                    throw new ObserverBug();
                })
                .build()) {
            lb.observe(new LoadBalancerObserver() {
                @Override
                public void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {
                    throw new ObserverBug();
                }

                @Override
                public void onHealthEvent(HealthEvent event) {
                    throw new ObserverBug();
                }
            });
            Recorder r = new Recorder();
            lb.observe(r);
            for (int i = 0; i < 10; i++) {
                lb.pick().onSuccess(i);
            }
            lb.pick().onFailure(7); // ejects A: the listener and the first observer throw
            assertEquals(11, r.seen.stream().filter(s -> s.startsWith("call ")).count(),
                    r.seen.toString());
            assertTrue(r.seen.contains("event EJECTED 10.0.0.1:80"), r.seen.toString());
            assertEquals(List.of("EJECTED", "PANIC_ENTERED"), listened);
            assertEquals(10, lb.stats().get(0).successes());
            assertEquals(0, lb.stats().get(0).inFlight());
        }
    }

    @Test
    void healthEvents_reachTheBuilderListenerAndEveryObserver_ejectionsAndPanic() {
        List<String> listened = Collections.synchronizedList(new ArrayList<>());
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A, B, C))
                .strategy(Strategy.roundRobin())
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1)
                        .maxEjectionPercent(100).baseEjectionTime(Duration.ofHours(1))
                        .maxEjectionTime(Duration.ofHours(1)).build())
                .healthListener(e -> listened.add(e.type().name()))
                .build()) {
            Recorder r1 = new Recorder();
            Recorder r2 = new Recorder();
            lb.observe(r1);
            lb.observe(r2);
            fail(lb, B);
            fail(lb, C);
            // Two of three ejected: below the panic threshold, but panic never adds back
            // endpoints known to be failing while a healthy one remains (docs/failure-model.md).
            assertFalse(lb.inPanic());
            fail(lb, A);
            assertTrue(lb.inPanic(), "no healthy endpoint left: panic over all");
            assertEquals(List.of("EJECTED", "EJECTED", "EJECTED", "PANIC_ENTERED"), listened);
            List<String> expected = List.of("call 10.0.0.2:80 FAILURE 1", "event EJECTED 10.0.0.2:80",
                    "call 10.0.0.3:80 FAILURE 1", "event EJECTED 10.0.0.3:80",
                    "call 10.0.0.1:80 FAILURE 1", "event EJECTED 10.0.0.1:80",
                    "event PANIC_ENTERED");
            assertEquals(expected, withoutReleases(r1.seen)); // fail() releases the others
            assertEquals(expected, withoutReleases(r2.seen));
        }
    }

    private static List<String> withoutReleases(List<String> seen) {
        return seen.stream().filter(s -> !s.endsWith("RELEASED 0")).toList();
    }

    /** Picks until {@code target} comes up (releasing the others), then fails it. */
    private static void fail(LoadBalancer lb, Endpoint target) {
        for (int i = 0; i < 10; i++) {
            Pick p = lb.pick();
            if (p.endpoint().equals(target)) {
                p.onFailure(1);
                return;
            }
            p.release();
        }
        throw new AssertionError(target + " never picked");
    }

    @Test
    void onRejected_namesTheReason_forEveryPickForm() {
        DynamicEndpointGroup group = EndpointGroup.dynamic();
        try (LoadBalancer lb = LoadBalancer.of(group)) {
            Recorder r = new Recorder();
            lb.observe(r);
            assertThrows(NoEndpointAvailableException.class, lb::pick);
            assertThrows(NoEndpointAvailableException.class, () -> lb.pick(1L));
            assertThrows(NoEndpointAvailableException.class, () -> lb.pick("k"));
            assertThrows(NoEndpointAvailableException.class, () -> lb.pick(new byte[] {1}));
            lb.close();
            assertThrows(NoEndpointAvailableException.class, lb::pick);
            assertEquals(List.of("rejected EMPTY", "rejected EMPTY", "rejected EMPTY",
                    "rejected EMPTY", "rejected CLOSED"), r.seen);
        }
    }

    @Test
    void onEndpoints_seesEachSnapshotAfterItsTableIsPublished() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A);
        try (LoadBalancer lb = LoadBalancer.of(group)) {
            List<String> seen = new ArrayList<>();
            lb.observe(new LoadBalancerObserver() {
                @Override
                public void onEndpoints(List<Endpoint> endpoints) {
                    Pick p = lb.pick(); // the new table is in force already
                    seen.add(endpoints.size() + " " + lb.stats().size());
                    p.release();
                }
            });
            group.set(List.of(A, B));
            group.set(List.of(A, B, C));
            assertEquals(List.of("2 2", "3 3"), seen);
        }
    }

    @Test
    void trafficSplit_observesEveryRoute() {
        LoadBalancer stable = LoadBalancer.of(EndpointGroup.of(A));
        LoadBalancer canary = LoadBalancer.of(EndpointGroup.of(B));
        try (TrafficSplit split = TrafficSplit.builder().route("stable", stable, 1)
                .route("canary", canary, 1).build()) {
            Recorder r = new Recorder();
            EndpointGroup.Subscription s = split.observe(r);
            split.route("stable").pick().onSuccess(3);
            split.route("canary").pick().onSuccess(4);
            s.close();
            split.route("canary").pick().onSuccess(5);
            assertEquals(List.of("call 10.0.0.1:80 SUCCESS 3", "call 10.0.0.2:80 SUCCESS 4"),
                    r.seen);
        }
    }
}
