package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.health.HealthStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A point-in-time view of one endpoint's state in a {@link LoadBalancer}. Immutable.
 *
 * @param endpoint the endpoint
 * @param health its health as the balancer sees it
 * @param weightPercent the share of its weight it receives now, 1..100: below 100 during slow
 *     start
 * @param inFlight calls picked and not yet reported
 * @param successes calls reported with {@link Pick#onSuccess} since the endpoint joined,
 *     modulo 2^32
 * @param failures calls reported with {@link Pick#onFailure} since the endpoint joined
 * @param latency the peak-EWMA latency, when the strategy tracks latency and a call has completed
 * @param ejections how many times outlier detection ejected the endpoint since it joined
 * @param pickMisuses picks of this endpoint reported twice, or dropped without a report, since
 *     it joined: counted only when the balancer was built with
 *     {@link LoadBalancer.Builder#strictPicks(boolean)}, 0 otherwise
 * @param concurrencyLimit the endpoint's current adaptive concurrency limit (the calls in flight
 *     it may take now), when the balancer has one ({@link LoadBalancer.Builder#concurrencyLimit});
 *     empty otherwise
 */
public record EndpointStats(Endpoint endpoint, HealthStatus health, int weightPercent,
        int inFlight, long successes, long failures, Optional<Duration> latency,
        long ejections, long pickMisuses, OptionalInt concurrencyLimit) {

    /** Stats without a concurrency limit. */
    public EndpointStats(Endpoint endpoint, HealthStatus health, int weightPercent, int inFlight,
            long successes, long failures, Optional<Duration> latency, long ejections,
            long pickMisuses) {
        this(endpoint, health, weightPercent, inFlight, successes, failures, latency, ejections,
                pickMisuses, OptionalInt.empty());
    }

    /** Stats without a misuse count (0). */
    public EndpointStats(Endpoint endpoint, HealthStatus health, int weightPercent, int inFlight,
            long successes, long failures, Optional<Duration> latency, long ejections) {
        this(endpoint, health, weightPercent, inFlight, successes, failures, latency, ejections,
                0);
    }

    /** Validates the components. */
    public EndpointStats {
        requireNonNull(endpoint, "endpoint");
        requireNonNull(health, "health");
        requireNonNull(latency, "latency");
        requireNonNull(concurrencyLimit, "concurrencyLimit");
    }
}
