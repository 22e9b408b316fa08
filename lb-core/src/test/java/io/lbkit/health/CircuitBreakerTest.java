package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Deterministic tests of the circuit breaker: open, half-open with limited trials, close. */
class CircuitBreakerTest extends HealthRuleFixture {
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
}
