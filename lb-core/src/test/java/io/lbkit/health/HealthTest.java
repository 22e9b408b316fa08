package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
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
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Deterministic state-machine tests of the health rules, driven by a {@link ManualClock}. */
class HealthTest {

    private final ManualClock clock = new ManualClock();
    private final List<HealthEvent> events = new ArrayList<>();

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Endpoint.of("10.0.0." + (i + 1), 8080));
        }
        return list;
    }

    private LoadBalancer.Builder builder(EndpointGroup group) {
        return LoadBalancer.builder(group).strategy(Strategy.roundRobin()).ticker(clock)
                .scheduler(clock).healthListener(events::add);
    }

    /** Makes {@code calls} picks, failing those that land on a failing endpoint. */
    private static Set<Endpoint> drive(LoadBalancer lb, int calls, Predicate<Endpoint> failing) {
        Set<Endpoint> seen = new HashSet<>();
        for (int i = 0; i < calls; i++) {
            Pick p = lb.pick();
            seen.add(p.endpoint());
            if (failing.test(p.endpoint())) {
                p.onFailure(1_000_000);
            } else {
                p.onSuccess(1_000_000);
            }
        }
        return seen;
    }

    private static HealthStatus status(LoadBalancer lb, Endpoint e) {
        return stats(lb, e).health();
    }

    private static EndpointStats stats(LoadBalancer lb, Endpoint e) {
        return lb.stats().stream().filter(s -> s.endpoint().equals(e)).findFirst().orElseThrow();
    }

    private long count(HealthEvent.Type type) {
        return events.stream().filter(e -> e.type() == type).count();
    }

    @Test
    void consecutiveFailures_ejectAfterFiveAndPicksSkipTheEndpoint() {
        List<Endpoint> eps = endpoints(10);
        Endpoint bad = eps.get(3);
        LoadBalancer lb = builder(EndpointGroup.of(eps)).build();

        // 10 endpoints round robin: 4 rounds give the bad endpoint 4 failures in a row: not yet.
        drive(lb, 40, bad::equals);
        assertEquals(HealthStatus.HEALTHY, status(lb, bad));
        drive(lb, 10, bad::equals);
        assertEquals(HealthStatus.EJECTED, status(lb, bad));
        assertEquals(1, count(HealthEvent.Type.EJECTED));
        assertFalse(drive(lb, 1000, bad::equals).contains(bad));
    }

    @Test
    void success_resetsTheFailureStreak() {
        Endpoint only = Endpoint.of("10.0.0.1", 80);
        Endpoint other = Endpoint.of("10.0.0.2", 80);
        LoadBalancer lb = builder(EndpointGroup.of(only, other)).build();
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 4; i++) {
                failOn(lb, only);
            }
            succeedOn(lb, only);
        }
        assertEquals(HealthStatus.HEALTHY, status(lb, only));
    }

    private static void failOn(LoadBalancer lb, Endpoint e) {
        while (true) {
            Pick p = lb.pick();
            if (p.endpoint().equals(e)) {
                p.onFailure(0);
                return;
            }
            p.onSuccess(0);
        }
    }

    private static void succeedOn(LoadBalancer lb, Endpoint e) {
        while (true) {
            Pick p = lb.pick();
            p.onSuccess(0);
            if (p.endpoint().equals(e)) {
                return;
            }
        }
    }

    @Test
    void ejectionTime_growsWithEachEjectionAndIsCapped() {
        List<Endpoint> eps = endpoints(2);
        Endpoint bad = eps.get(0);
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .outlierDetection(OutlierDetection.builder().baseEjectionTime(Duration.ofSeconds(30))
                        .maxEjectionTime(Duration.ofSeconds(70)).interval(Duration.ofHours(1))
                        .successRateStdevFactor(0).build())
                .build();
        long[] expectedSeconds = {30, 60, 70, 70};
        for (long expected : expectedSeconds) {
            for (int i = 0; i < 5; i++) {
                failOn(lb, bad);
            }
            assertEquals(HealthStatus.EJECTED, status(lb, bad));
            clock.advance(Duration.ofSeconds(expected).minusMillis(1));
            assertEquals(HealthStatus.EJECTED, status(lb, bad), "still ejected just before "
                    + expected + " s");
            clock.advance(Duration.ofMillis(1));
            assertEquals(HealthStatus.HEALTHY, status(lb, bad), "restored at " + expected + " s");
        }
        assertEquals(4, stats(lb, bad).ejections());
        assertEquals(4, count(HealthEvent.Type.RESTORED));
    }

    @Test
    void ejectionMultiplier_shrinksWhileHealthy() {
        List<Endpoint> eps = endpoints(2);
        Endpoint bad = eps.get(0);
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .outlierDetection(OutlierDetection.builder().baseEjectionTime(Duration.ofSeconds(30))
                        .interval(Duration.ofSeconds(10)).successRateStdevFactor(0).build())
                .build();
        for (int i = 0; i < 5; i++) {
            failOn(lb, bad);
        }
        clock.advance(Duration.ofSeconds(30)); // restored; multiplier was 1
        clock.advance(Duration.ofSeconds(15)); // at least one healthy interval: multiplier 0
        for (int i = 0; i < 5; i++) {
            failOn(lb, bad);
        }
        assertEquals(HealthStatus.EJECTED, status(lb, bad));
        clock.advance(Duration.ofSeconds(30)); // base time again, not 60 s
        assertEquals(HealthStatus.HEALTHY, status(lb, bad));
    }

    @Test
    void maxEjectionPercent_capsTheShareEjected() {
        List<Endpoint> eps = endpoints(20);
        LoadBalancer lb = builder(EndpointGroup.of(eps)).build(); // 10%: 2 of 20
        drive(lb, 2000, e -> true);
        long ejected = lb.stats().stream().filter(s -> s.health() == HealthStatus.EJECTED).count();
        assertEquals(2, ejected);
    }

    @Test
    void maxEjectionPercent_stillEjectsOneOfTwo() {
        List<Endpoint> eps = endpoints(2);
        LoadBalancer lb = builder(EndpointGroup.of(eps)).build();
        drive(lb, 100, e -> true);
        assertEquals(1, lb.stats().stream().filter(s -> s.health() == HealthStatus.EJECTED)
                .count());
    }

    private static long ejectedCount(LoadBalancer lb) {
        return lb.stats().stream().filter(s -> s.health() == HealthStatus.EJECTED).count();
    }

    @Test
    void threeOfFiveFailing_allEjectedBeyondTheCap_andPanicDoesNotAddThemBack() {
        // The pool: 5 endpoints, 3 fail while 2 work. The 10% cap (1 of 5) would keep
        // two failing endpoints in rotation; the working two vouch that the fault is theirs.
        List<Endpoint> eps = endpoints(5);
        Set<Endpoint> bad = Set.of(eps.get(0), eps.get(2), eps.get(4));
        LoadBalancer lb = builder(EndpointGroup.of(eps)).build(); // defaults: panic 50%
        drive(lb, 200, bad::contains);
        assertEquals(1, ejectedCount(lb), "the cap; the others have not failed for 1 s yet");
        clock.advance(Duration.ofMillis(1_000));
        drive(lb, 200, bad::contains);
        assertEquals(3, ejectedCount(lb));
        // 2 of 5 healthy is below the panic threshold, but every other endpoint is known to be
        // failing: panic would only send calls to them.
        assertFalse(lb.inPanic());
        assertEquals(0, count(HealthEvent.Type.PANIC_ENTERED));
        assertEquals(Set.of(eps.get(1), eps.get(3)), drive(lb, 100, bad::contains));
    }

    @Test
    void allFailing_ejectionStaysAtTheCap_inPoolsOfTwoAndOfAThousand() {
        // Everything failing at once looks like the caller's fault or a shared one: the cap
        // holds, 1 of 2 and 100 of 1,000.
        LoadBalancer two = builder(EndpointGroup.of(endpoints(2))).build();
        drive(two, 100, e -> true);
        assertEquals(1, ejectedCount(two));
        List<Endpoint> many = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            many.add(Endpoint.of("10.3." + (i / 250) + "." + (i % 250 + 1), 80));
        }
        LoadBalancer thousand = builder(EndpointGroup.of(many)).build();
        drive(thousand, 20_000, e -> true);
        clock.advance(Duration.ofMillis(1_000));
        drive(thousand, 20_000, e -> true);
        assertEquals(100, ejectedCount(thousand));
    }

    @Test
    void overloadedEndpoints_thatStillCompleteCalls_areNotEjectedBeyondTheCap() {
        // 3 of 5 time out often but not always (overload): ejecting them beyond the cap would
        // move their load onto the other two. Only the cap's one is ejected.
        List<Endpoint> eps = endpoints(5);
        Set<Endpoint> busy = Set.of(eps.get(0), eps.get(2), eps.get(4));
        LoadBalancer lb = builder(EndpointGroup.of(eps)).build();
        Map<Endpoint, Integer> calls = new HashMap<>();
        for (int round = 0; round < 20; round++) {
            // each busy endpoint fails 7 of every 8 of its calls
            drive(lb, 200, e -> busy.contains(e) && calls.merge(e, 1, Integer::sum) % 8 != 0);
            clock.advance(Duration.ofMillis(200));
        }
        assertEquals(1, ejectedCount(lb));
    }

    @Test
    void aMinorityFailing_isEjectedBeyondTheCap_inAPoolOfAThousand() {
        List<Endpoint> many = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            many.add(Endpoint.of("10.3." + (i / 250) + "." + (i % 250 + 1), 80));
        }
        Set<Endpoint> bad = new HashSet<>(many.subList(0, 300));
        // Random: round robin restarts its cycle at each rebuild, so 300 ejections in a row
        // would keep it from reaching the end of the list.
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(many)).strategy(Strategy.random())
                .ticker(clock).scheduler(clock).build();
        drive(lb, 20_000, bad::contains);
        clock.advance(Duration.ofMillis(1_000));
        drive(lb, 20_000, bad::contains);
        assertEquals(300, ejectedCount(lb));
        assertTrue(java.util.Collections.disjoint(bad, drive(lb, 5_000, bad::contains)));
    }

    @Test
    void oneOfTwoFailing_isEjected_theLastWorkingOneNever() {
        List<Endpoint> eps = endpoints(2);
        LoadBalancer lb = builder(EndpointGroup.of(eps)).build();
        drive(lb, 100, eps.get(0)::equals);
        assertEquals(HealthStatus.EJECTED, status(lb, eps.get(0)));
        drive(lb, 100, e -> true); // now the other fails too: it stays, the only one left
        assertEquals(HealthStatus.HEALTHY, status(lb, eps.get(1)));
    }

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

    @Test
    void successRate_ejectsTheOutlier() {
        List<Endpoint> eps = endpoints(6);
        Endpoint bad = eps.get(2);
        LoadBalancer lb = builder(EndpointGroup.of(eps)).build();
        // The bad endpoint fails every other call: never 5 in a row, but a 50% success rate.
        int[] n = {0};
        drive(lb, 6 * 150, e -> e.equals(bad) && (n[0]++ % 2 == 0));
        assertEquals(HealthStatus.HEALTHY, status(lb, bad));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(HealthStatus.EJECTED, status(lb, bad));
        assertTrue(events.stream().anyMatch(ev -> ev.type() == HealthEvent.Type.EJECTED
                && ev.detail().startsWith("success rate")), events::toString);
    }

    @Test
    void failurePercentage_ejectsAboveThresholdOnly() {
        List<Endpoint> eps = endpoints(5);
        Endpoint bad = eps.get(0);
        Endpoint meh = eps.get(1);
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(0)
                        .successRateStdevFactor(0).failurePercentageThreshold(50)
                        .maxEjectionPercent(100).build())
                .build();
        int[] b = {0};
        int[] m = {0};
        drive(lb, 5 * 100, e -> e.equals(bad) ? (b[0]++ % 10) < 6 // 60% fail
                : e.equals(meh) && (m[0]++ % 10) < 4); // 40% fail
        clock.advance(Duration.ofSeconds(10));
        assertEquals(HealthStatus.EJECTED, status(lb, bad));
        assertEquals(HealthStatus.HEALTHY, status(lb, meh));
    }

    @Test
    void circuitBreaker_opensHalfOpensWithLimitedTrialsAndCloses() {
        List<Endpoint> eps = endpoints(3);
        Endpoint bad = eps.get(0);
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .outlierDetection(OutlierDetection.disabled())
                .circuitBreaker(CircuitBreaker.builder().failureThreshold(3)
                        .openDuration(Duration.ofSeconds(10)).trialCalls(2).build())
                .build();
        for (int i = 0; i < 3; i++) {
            failOn(lb, bad);
        }
        assertEquals(HealthStatus.CIRCUIT_OPEN, status(lb, bad));
        assertFalse(drive(lb, 300, e -> false).contains(bad));

        clock.advance(Duration.ofSeconds(10));
        assertEquals(HealthStatus.CIRCUIT_HALF_OPEN, status(lb, bad));
        // Hold every pick open: the half-open endpoint takes at most 2 of them.
        List<Pick> held = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            held.add(lb.pick());
        }
        long trials = held.stream().filter(p -> p.endpoint().equals(bad)).count();
        assertEquals(2, trials);
        held.forEach(p -> p.onSuccess(0));
        assertEquals(HealthStatus.HEALTHY, status(lb, bad));
        assertEquals(1, count(HealthEvent.Type.CIRCUIT_CLOSED));
    }

    @Test
    void circuitBreaker_trialFailureReopens() {
        List<Endpoint> eps = endpoints(3);
        Endpoint bad = eps.get(0);
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .outlierDetection(OutlierDetection.disabled())
                .circuitBreaker(CircuitBreaker.builder().failureThreshold(3)
                        .openDuration(Duration.ofSeconds(10)).build())
                .build();
        for (int i = 0; i < 3; i++) {
            failOn(lb, bad);
        }
        clock.advance(Duration.ofSeconds(10));
        failOn(lb, bad);
        assertEquals(HealthStatus.CIRCUIT_OPEN, status(lb, bad));
        assertEquals(2, count(HealthEvent.Type.CIRCUIT_OPENED));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(HealthStatus.CIRCUIT_HALF_OPEN, status(lb, bad));
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
