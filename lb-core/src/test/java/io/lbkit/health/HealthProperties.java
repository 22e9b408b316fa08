package io.lbkit.health;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Invariants of outlier ejection under any sequence of outcomes and clock moves. */
class HealthProperties {

    /**
     * Each step is an int: below 1,000 a call on the picked endpoint (failing when the endpoint
     * is one of the "bad" ones, or for step values below the failure noise); from 1,000 a clock
     * move of (step - 1,000) × 100 ms.
     */
    @Property(tries = 200)
    void ejection_beyondTheCapNeverTakesTheLastEndpointAndTheTableNeverHoldsAnEjected(
            @ForAll @IntRange(min = 1, max = 30) int n,
            @ForAll @IntRange(min = 0, max = 100) int maxEjectionPercent,
            @ForAll @IntRange(min = 0, max = 100) int badPercent,
            @ForAll @Size(min = 1, max = 400) List<@IntRange(min = 0, max = 1_400) Integer> steps) {
        ManualClock clock = new ManualClock();
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            eps.add(Endpoint.of("10.1.0." + (i + 1), 80));
        }
        int bad = n * badPercent / 100;
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(Strategy.roundRobin()).ticker(clock).scheduler(clock)
                .panicThreshold(0)
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(2)
                        .maxEjectionPercent(maxEjectionPercent).interval(Duration.ofSeconds(1))
                        .successRateMinimumHosts(1).successRateRequestVolume(3)
                        .failurePercentageThreshold(60).failurePercentageMinimumHosts(1)
                        .failurePercentageRequestVolume(3).build())
                .build();
        int maxEjected = Math.max(1, n * maxEjectionPercent / 100);
        for (int step : steps) {
            if (step >= 1_000) {
                clock.advance(Duration.ofMillis((step - 1_000) * 100L));
            } else {
                Map<Endpoint, EndpointStats> before = lb.stats().stream()
                        .collect(Collectors.toMap(EndpointStats::endpoint, Function.identity()));
                Pick p;
                try {
                    p = lb.pick();
                } catch (NoEndpointAvailableException e) {
                    // Only legitimate when the "at least one may be ejected" rule ejected all.
                    long ejected = before.values().stream()
                            .filter(st -> st.health() == HealthStatus.EJECTED).count();
                    if (ejected != n || n > maxEjected) {
                        throw new AssertionError("no endpoint with " + ejected + " of " + n
                                + " ejected", e);
                    }
                    continue;
                }
                if (before.get(p.endpoint()).health() == HealthStatus.EJECTED) {
                    throw new AssertionError("picked ejected " + p.endpoint());
                }
                boolean fails = eps.indexOf(p.endpoint()) < bad || step < 100;
                if (fails) {
                    p.onFailure(0);
                } else {
                    p.onSuccess(0);
                }
            }
            long ejected = lb.stats().stream()
                    .filter(s -> s.health() == HealthStatus.EJECTED).count();
            // Beyond the cap only endpoints that fail while others work are ejected, so at
            // least one endpoint always stays in rotation.
            if (ejected > maxEjected && ejected >= n) {
                throw new AssertionError(ejected + " ejected of " + n + ", cap " + maxEjected);
            }
        }
    }
}
