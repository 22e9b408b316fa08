package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Deterministic state-machine tests of the active checks, panic routing, slow start, the overload
 * guard and the settings' validation, driven by a {@link ManualClock}. Outlier detection and the
 * circuit breaker have their own tests ({@link OutlierDetectionTest}, {@link CircuitBreakerTest}).
 */
class HealthTest extends HealthRuleFixture {
    @Test
    void panic_addsBackEndpointsDownOnTheirChecks_neverOnesEjectedForFailingCalls() {
        List<Endpoint> eps = endpoints(4);
        ScriptedProbe probe = new ScriptedProbe();
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .healthCheck(HealthCheck.builder(probe).interval(Duration.ofSeconds(2))
                        .jitterPercent(0).build())
                .build(); // outlier detection and panic at their defaults
        clock.runDue();
        drive(lb, 100, eps.get(0)::equals); // 0 fails its calls: ejected
        assertEquals(HealthStatus.EJECTED, status(lb, eps.get(0)));
        probe.healthy.put(eps.get(1), false);
        probe.healthy.put(eps.get(2), false);
        clock.advance(Duration.ofSeconds(6)); // 1 and 2 fail their checks: DOWN
        assertEquals(HealthStatus.DOWN, status(lb, eps.get(1)));
        // 1 of 4 healthy: panic; the checks may be wrong, the failed calls were not.
        assertTrue(lb.inPanic());
        assertEquals(Set.of(eps.get(1), eps.get(2), eps.get(3)),
                drive(lb, 100, eps.get(0)::equals));
    }

    /** A probe whose answers the test sets per endpoint. */
    private static final class ScriptedProbe implements HealthProbe {
        final Map<Endpoint, Boolean> healthy = new ConcurrentHashMap<>();
        final Map<Endpoint, Integer> calls = new ConcurrentHashMap<>();

        @Override
        public CompletableFuture<Boolean> check(Endpoint endpoint) {
            calls.merge(endpoint, 1, Integer::sum);
            return CompletableFuture.completedFuture(healthy.getOrDefault(endpoint, true));
        }
    }

    private LoadBalancer probed(List<Endpoint> eps, HealthProbe probe, int panic) {
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .outlierDetection(OutlierDetection.disabled())
                .healthCheck(HealthCheck.builder(probe).interval(Duration.ofSeconds(2))
                        .jitterPercent(0).build())
                .panicThreshold(panic)
                .build();
        clock.runDue(); // the first probes run at once
        return lb;
    }

    @Test
    void activeCheck_fallThenRiseThresholds() {
        List<Endpoint> eps = endpoints(3);
        Endpoint e = eps.get(1);
        ScriptedProbe probe = new ScriptedProbe();
        LoadBalancer lb = probed(eps, probe, 50);
        assertEquals(HealthStatus.HEALTHY, status(lb, e));

        probe.healthy.put(e, false);
        clock.advance(Duration.ofSeconds(2)); // failure 1
        clock.advance(Duration.ofSeconds(2)); // failure 2
        assertEquals(HealthStatus.HEALTHY, status(lb, e));
        clock.advance(Duration.ofSeconds(2)); // failure 3 = fall
        assertEquals(HealthStatus.DOWN, status(lb, e));
        assertFalse(drive(lb, 100, x -> false).contains(e));

        probe.healthy.put(e, true);
        clock.advance(Duration.ofSeconds(2)); // pass 1
        assertEquals(HealthStatus.DOWN, status(lb, e));
        clock.advance(Duration.ofSeconds(2)); // pass 2 = rise
        assertEquals(HealthStatus.HEALTHY, status(lb, e));
        assertTrue(drive(lb, 100, x -> false).contains(e));
    }

    @Test
    void activeCheck_probeThatThrowsOrHangsCountsAsFailedAndCheckingContinues() {
        List<Endpoint> eps = endpoints(3);
        Endpoint throwing = eps.get(0);
        Endpoint hanging = eps.get(1);
        Map<Endpoint, Integer> calls = new HashMap<>();
        HealthProbe probe = endpoint -> {
            calls.merge(endpoint, 1, Integer::sum);
            if (endpoint.equals(throwing)) {
                throw new IllegalStateException("probe bug");
            }
            if (endpoint.equals(hanging)) {
                return new CompletableFuture<>(); // never completes
            }
            return CompletableFuture.completedFuture(true);
        };
        LoadBalancer lb = probed(eps, probe, 0);
        clock.advance(Duration.ofSeconds(3 * 3)); // 3 rounds of 2 s interval + 1 s timeout
        assertEquals(HealthStatus.DOWN, status(lb, throwing));
        assertEquals(HealthStatus.DOWN, status(lb, hanging));
        assertEquals(HealthStatus.HEALTHY, status(lb, eps.get(2)));
        int before = calls.get(throwing);
        clock.advance(Duration.ofSeconds(10));
        assertTrue(calls.get(throwing) > before, "checks go on after a probe threw");
    }

    @Test
    void panic_enteredWhenTooFewHealthyAndLeftOnRecovery() {
        List<Endpoint> eps = endpoints(4);
        ScriptedProbe probe = new ScriptedProbe();
        LoadBalancer lb = probed(eps, probe, 50);
        for (int i = 0; i < 3; i++) {
            probe.healthy.put(eps.get(i), false);
        }
        clock.advance(Duration.ofSeconds(6));
        assertTrue(lb.inPanic());
        assertEquals(1, count(HealthEvent.Type.PANIC_ENTERED));
        // In panic every endpoint takes calls, the DOWN ones included.
        assertEquals(new HashSet<>(eps), drive(lb, 40, x -> false));

        probe.healthy.put(eps.get(0), true);
        clock.advance(Duration.ofSeconds(4)); // rise 2: 2 of 4 healthy = 50%, not below
        assertFalse(lb.inPanic());
        assertEquals(1, count(HealthEvent.Type.PANIC_LEFT));
        assertEquals(Set.of(eps.get(0), eps.get(3)), drive(lb, 40, x -> false));
    }

    @Test
    void allDownWithPanicOff_failsFastThenResumesWhenOneRecovers() {
        List<Endpoint> eps = endpoints(2);
        ScriptedProbe probe = new ScriptedProbe();
        LoadBalancer lb = probed(eps, probe, 0);
        eps.forEach(e -> probe.healthy.put(e, false));
        clock.advance(Duration.ofSeconds(6));
        NoEndpointAvailableException ex = assertThrows(NoEndpointAvailableException.class,
                lb::pick);
        assertEquals(NoEndpointAvailableException.Reason.NONE_ELIGIBLE, ex.reason());
        probe.healthy.put(eps.get(1), true);
        clock.advance(Duration.ofSeconds(4));
        assertEquals(eps.get(1), lb.pick().endpoint());
    }

    @Test
    void slowStart_rampsAJoiningEndpointOverTheWindow() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(endpoints(2).toArray(new Endpoint[0]));
        LoadBalancer lb = builder(group).outlierDetection(OutlierDetection.disabled())
                .slowStart(SlowStart.of(Duration.ofSeconds(10))).build();
        // Endpoints present at start are at full weight.
        lb.stats().forEach(s -> assertEquals(100, s.weightPercent()));
        Endpoint joining = Endpoint.of("10.0.0.9", 8080);
        group.add(joining);
        assertEquals(10, stats(lb, joining).weightPercent()); // the 10% floor
        clock.advance(Duration.ofSeconds(5));
        assertEquals(50, stats(lb, joining).weightPercent());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(70, stats(lb, joining).weightPercent());
        clock.advance(Duration.ofSeconds(3));
        assertEquals(100, stats(lb, joining).weightPercent());
        assertEquals(0, clock.pending(), "no ramp timer left once the ramp is over");
    }

    @Test
    void slowStart_shapesWeightedRoundRobinTraffic() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(endpoints(1).toArray(new Endpoint[0]));
        LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.weightedRoundRobin())
                .ticker(clock).scheduler(clock).outlierDetection(OutlierDetection.disabled())
                .slowStart(SlowStart.of(Duration.ofSeconds(10))).build();
        Endpoint joining = Endpoint.of("10.0.0.9", 8080);
        group.add(joining);
        clock.advance(Duration.ofMillis(2500)); // 25% weight: 1 of 5 calls
        Map<Endpoint, Long> shares = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            Pick p = lb.pick();
            shares.merge(p.endpoint(), 1L, Long::sum);
            p.onSuccess(0);
        }
        assertEquals(200, shares.get(joining), shares::toString);
    }

    @Test
    void slowStart_appliesAfterRecoveryFromEjection() {
        List<Endpoint> eps = endpoints(2);
        Endpoint bad = eps.get(0);
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .slowStart(SlowStart.of(Duration.ofSeconds(10))).build();
        for (int i = 0; i < 5; i++) {
            failOn(lb, bad);
        }
        clock.advance(Duration.ofSeconds(30));
        assertEquals(HealthStatus.HEALTHY, status(lb, bad));
        assertEquals(10, stats(lb, bad).weightPercent());
    }

    @Test
    void overloadGuard_skipsEndpointsAtCapAndFailsFastWhenAllAre() {
        List<Endpoint> eps = endpoints(2);
        LoadBalancer lb = builder(EndpointGroup.of(eps)).maxRequestsPerEndpoint(2).build();
        List<Pick> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(lb.pick());
        }
        Map<Endpoint, Long> perEndpoint = held.stream()
                .collect(Collectors.groupingBy(Pick::endpoint, Collectors.counting()));
        assertEquals(Map.of(eps.get(0), 2L, eps.get(1), 2L), perEndpoint);
        NoEndpointAvailableException ex = assertThrows(NoEndpointAvailableException.class,
                lb::pick);
        assertEquals(NoEndpointAvailableException.Reason.AT_CAPACITY, ex.reason());
        held.get(0).onSuccess(0);
        assertEquals(held.get(0).endpoint(), lb.pick().endpoint());
    }

    @Test
    void removedEndpoint_stopsBeingProbedAndItsTimersAreCancelled() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(endpoints(2).toArray(new Endpoint[0]));
        ScriptedProbe probe = new ScriptedProbe();
        LoadBalancer lb = builder(group).outlierDetection(OutlierDetection.disabled())
                .healthCheck(HealthCheck.builder(probe).jitterPercent(0).build()).build();
        clock.runDue();
        Endpoint gone = endpoints(2).get(0);
        group.remove(gone);
        int before = probe.calls.get(gone);
        clock.advance(Duration.ofSeconds(20));
        assertEquals(before, probe.calls.get(gone));
        assertNotEquals(0, probe.calls.get(endpoints(2).get(1)));
        lb.close();
        assertEquals(0, clock.pending(), "close cancels every timer");
    }

    @Test
    void builders_rejectOutOfRangeValuesNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutlierDetection.builder().maxEjectionPercent(101));
        assertEquals("maxEjectionPercent must be in 0..100, was 101", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OutlierDetection.builder().baseEjectionTime(Duration.ofSeconds(-1)));
        assertTrue(e.getMessage().startsWith("baseEjectionTime must be in"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OutlierDetection.builder()
                .baseEjectionTime(Duration.ofSeconds(60)).maxEjectionTime(Duration.ofSeconds(30))
                .build());
        assertTrue(e.getMessage().contains("maxEjectionTime"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> HealthCheck.builder(HealthProbe.tcp()).rise(0));
        assertEquals("rise must be in 1..100, was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> HealthCheck.builder(HealthProbe.tcp()).timeout(Duration.ZERO));
        assertTrue(e.getMessage().startsWith("timeout must be in"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CircuitBreaker.builder().trialCalls(0));
        assertEquals("trialCalls must be in 1..1000, was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SlowStart.builder(Duration.ofSeconds(1)).minWeightPercent(0));
        assertEquals("minWeightPercent must be in 1..100, was 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoadBalancer.builder(EndpointGroup.of()).panicThreshold(-1));
        assertEquals("panicThreshold must be in 0..100 percent, was -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LoadBalancer.builder(EndpointGroup.of()).maxRequestsPerEndpoint(0));
        assertEquals("maxRequestsPerEndpoint must be in 1..1000000, was 0", e.getMessage());
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> CircuitBreaker.builder().failureThreshold(3).failureThreshold(4));
        assertEquals("failureThreshold was already set to 3", twice.getMessage());
        twice = assertThrows(IllegalStateException.class,
                () -> LoadBalancer.builder(EndpointGroup.of()).panicThreshold(10)
                        .panicThreshold(20));
        assertEquals("panicThreshold was already set to 10", twice.getMessage());
    }
}
