package io.lbkit;

import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthListener;
import io.lbkit.health.OutlierDetection;
import io.lbkit.health.SlowStart;
import io.lbkit.strategy.Strategy;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A balancer's settings, copied out of its builder. Immutable.
 *
 * @param circuitBreaker null when off
 * @param healthCheck null when off
 * @param slowStart null when off
 * @param panicPercent 0 when panic routing is off
 * @param maxRequestsPerEndpoint 0 when unlimited
 * @param listener null when none
 * @param topology as built; the balancer keeps the current one, whose local zone and region
 *     may change at run time
 * @param strictPicks whether picks return per-call handles that detect misuse
 * @param concurrencyLimit the adaptive per-endpoint limit, null when none (then
 *     {@code maxRequestsPerEndpoint} applies; the builder lets only one of the two be set)
 */
record BalancerConfig(Strategy strategy, Ticker ticker, ScheduledExecutorService scheduler,
        OutlierDetection outlierDetection, CircuitBreaker circuitBreaker, HealthCheck healthCheck,
        SlowStart slowStart, int panicPercent, int maxRequestsPerEndpoint,
        HealthListener listener, Topology topology, boolean strictPicks,
        ConcurrencyLimit concurrencyLimit) {

    /** This config with another health listener. */
    BalancerConfig withListener(HealthListener l) {
        return new BalancerConfig(strategy, ticker, scheduler, outlierDetection, circuitBreaker,
                healthCheck, slowStart, panicPercent, maxRequestsPerEndpoint, l, topology,
                strictPicks, concurrencyLimit);
    }
}
