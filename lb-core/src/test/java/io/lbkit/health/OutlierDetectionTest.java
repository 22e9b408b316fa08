package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Deterministic tests of outlier detection (ejection, its back-off and cap, the rate detectors). */
class OutlierDetectionTest extends HealthRuleFixture {
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

    /**
     * The multiplier shrank at the first interval tick after a restore, however short the
     * healthy time before it: restored 0.1 s before a tick, or on the tick itself, and ejected
     * again at once, the endpoint was out for 30 s instead of 60.
     */
    @Test
    void ejectionMultiplier_shrinksOnlyAfterAWholeIntervalHealthy() {
        for (long ejectAtMillis : new long[] {0, 9_900}) { // restored on a tick, 0.1 s before one
            List<Endpoint> eps = endpoints(2);
            Endpoint bad = eps.get(0);
            LoadBalancer lb = builder(EndpointGroup.of(eps))
                    .outlierDetection(OutlierDetection.builder()
                            .baseEjectionTime(Duration.ofSeconds(30))
                            .interval(Duration.ofSeconds(10)).successRateStdevFactor(0).build())
                    .build();
            clock.advance(Duration.ofMillis(ejectAtMillis));
            for (int i = 0; i < 5; i++) {
                failOn(lb, bad);
            }
            clock.advance(Duration.ofSeconds(30));
            assertEquals(HealthStatus.HEALTHY, status(lb, bad), "restored after 30 s");
            clock.advance(Duration.ofMillis(500)); // past the next tick, 0.5 s healthy
            for (int i = 0; i < 5; i++) {
                failOn(lb, bad);
            }
            assertEquals(HealthStatus.EJECTED, status(lb, bad));
            clock.advance(Duration.ofSeconds(60).minusMillis(1));
            assertEquals(HealthStatus.EJECTED, status(lb, bad),
                    "ejected at " + ejectAtMillis + " ms: the second ejection lasts 60 s");
            clock.advance(Duration.ofMillis(1));
            assertEquals(HealthStatus.HEALTHY, status(lb, bad));
            lb.close();
        }
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
}
