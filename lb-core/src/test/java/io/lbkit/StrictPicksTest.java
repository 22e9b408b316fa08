package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.testing.Await;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression tests: a {@link Pick} reported twice, or never, corrupted the endpoint's counts
 * silently (a leaked pick under maxRequestsPerEndpoint meant AT_CAPACITY for good). In
 * strictPicks mode both are detected, counted and, for a leak, repaired.
 */
@Timeout(60)
class StrictPicksTest {

    private static final Endpoint A = Endpoint.of("10.6.0.1", 80);

    @Test
    void defaultMode_handsOutTheSharedRecord() {
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(A))) {
            Pick p = lb.pick();
            Pick q = lb.pick();
            assertSame(p, q, "0 B/op: one record per endpoint");
            p.onSuccess(0);
            q.onSuccess(0);
            assertEquals(0, lb.stats().get(0).pickMisuses());
        }
    }

    @Test
    void doubleReport_throwsAndIsCounted_andCountsStayExact() {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A)).strictPicks(true)
                .build()) {
            Pick p = lb.pick();
            Pick q = lb.pick();
            assertNotSame(p, q);
            p.onSuccess(1);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> p.onFailure(1));
            assertEquals("a Pick of 10.6.0.1:80 was reported twice (then onFailure); report each"
                    + " pick exactly once", e.getMessage());
            assertThrows(IllegalStateException.class, p::release);
            EndpointStats s = lb.stats().get(0);
            assertEquals(2, s.pickMisuses());
            assertEquals(1, s.inFlight(), "q is still in flight: the second reports counted not");
            assertEquals(1, s.successes());
            assertEquals(0, s.failures());
            q.release();
            assertEquals(0, lb.stats().get(0).inFlight());
        }
    }

    @Test
    void leakedPick_underMaxRequests_freesItsSlot_insteadOfAtCapacityForGood() {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A)).strictPicks(true)
                .strategy(Strategy.roundRobin()).maxRequestsPerEndpoint(1).build()) {
            leak(lb);
            assertEquals(NoEndpointAvailableException.Reason.AT_CAPACITY,
                    assertThrows(NoEndpointAvailableException.class, lb::pick).reason());
            Await.until("the leaked pick to be collected", Duration.ofSeconds(30), () -> {
                System.gc();
                return lb.stats().get(0).pickMisuses() == 1;
            }, lb::stats);
            EndpointStats s = lb.stats().get(0);
            assertEquals(0, s.inFlight());
            Pick p = lb.pick(); // the slot is free again
            p.onSuccess(0);
            assertEquals(List.of(0L, 1L), List.of((long) lb.stats().get(0).inFlight(),
                    lb.stats().get(0).successes()));
        }
    }

    @Test
    void leakedHalfOpenTrial_freesItsTrialSlot_soTheCircuitCanClose() {
        io.lbkit.testing.FakeScheduler clock = new io.lbkit.testing.FakeScheduler();
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A)).strictPicks(true)
                .ticker(clock).scheduler(clock).panicThreshold(0)
                .outlierDetection(io.lbkit.health.OutlierDetection.disabled())
                .circuitBreaker(io.lbkit.health.CircuitBreaker.builder().failureThreshold(1)
                        .openDuration(Duration.ofSeconds(1)).trialCalls(1).build())
                .build()) {
            lb.pick().onFailure(1); // opens the circuit
            clock.advance(Duration.ofSeconds(1)); // half-open: one trial call
            assertEquals(io.lbkit.health.HealthStatus.CIRCUIT_HALF_OPEN,
                    lb.stats().get(0).health());
            leak(lb); // the trial call is never reported
            assertEquals(NoEndpointAvailableException.Reason.AT_CAPACITY,
                    assertThrows(NoEndpointAvailableException.class, lb::pick).reason(),
                    "its trial slot is taken");
            Await.until("the leaked trial to be collected", Duration.ofSeconds(30), () -> {
                System.gc();
                return lb.stats().get(0).pickMisuses() == 1;
            }, lb::stats);
            lb.pick().onSuccess(1); // a new trial, reported: the circuit closes
            assertEquals(io.lbkit.health.HealthStatus.HEALTHY, lb.stats().get(0).health());
        }
    }

    @Test
    void strictPicks_isSetOnce() {
        LoadBalancer.Builder b = LoadBalancer.builder(EndpointGroup.of(A)).strictPicks(true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.strictPicks(false));
        assertTrue(e.getMessage().startsWith("strictPicks was already set to true"),
                e.getMessage());
    }

    /** Picks and drops the handle in a frame of its own, so that nothing keeps it reachable. */
    private static void leak(LoadBalancer lb) {
        lb.pick();
    }
}
