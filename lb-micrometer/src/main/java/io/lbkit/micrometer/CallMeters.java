package io.lbkit.micrometer;

import io.lbkit.CallCounters;
import io.lbkit.LoadBalancerObserver;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The {@code lbkit.calls} meters (one per outcome) and the released counter of all endpoints
 * together, or of one endpoint when endpoint tags are on. Lean: function meters over the
 * balancer's counters. With the latency histogram: {@link Timer}s with a percentile
 * histogram and a maximum, recorded per call. Both read {@code lbkit_calls_seconds_count}
 * and {@code _sum} in Prometheus. Thread-safe, as Micrometer's meters are.
 */
final class CallMeters {
    private static final String CALLS_DESCRIPTION =
            "Reported calls: their latency as reported, by outcome";
    private static final String RELEASED_DESCRIPTION = "Picked calls released without an outcome";

    /** The counters read; for one endpoint, the view of its current stint in the group. */
    final CallCounters counters;
    final Meter success;
    final Meter failure;
    final Meter released;
    /** Null when lean. */
    final Timer successTimer;
    final Timer failureTimer;

    CallMeters(MeterRegistry registry, boolean histogram, Tags tags, CallCounters counters) {
        this.counters = counters;
        if (histogram) {
            successTimer = timer(registry, tags.and("outcome", "success"));
            failureTimer = timer(registry, tags.and("outcome", "failure"));
            success = successTimer;
            failure = failureTimer;
        } else {
            successTimer = null;
            failureTimer = null;
            success = FunctionTimer.builder("lbkit.calls", counters,
                            CallCounters::successes, CallCounters::successNanos,
                            TimeUnit.NANOSECONDS)
                    .description(CALLS_DESCRIPTION).tags(tags).tag("outcome", "success")
                    .register(registry);
            failure = FunctionTimer.builder("lbkit.calls", counters,
                            CallCounters::failures, CallCounters::failureNanos,
                            TimeUnit.NANOSECONDS)
                    .description(CALLS_DESCRIPTION).tags(tags).tag("outcome", "failure")
                    .register(registry);
        }
        released = FunctionCounter.builder("lbkit.calls.released", counters,
                        CallCounters::releases)
                .description(RELEASED_DESCRIPTION).tags(tags).register(registry);
    }

    private static Timer timer(MeterRegistry registry, Tags tags) {
        return Timer.builder("lbkit.calls").description(CALLS_DESCRIPTION).tags(tags)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    void record(LoadBalancerObserver.Outcome outcome, long latencyNanos) {
        switch (outcome) {
            case SUCCESS:
                successTimer.record(latencyNanos, TimeUnit.NANOSECONDS);
                break;
            case FAILURE:
                failureTimer.record(latencyNanos, TimeUnit.NANOSECONDS);
                break;
            default: // counted by the balancer
        }
    }

    void removeFrom(MeterRegistry registry) {
        registry.remove(success);
        registry.remove(failure);
        registry.remove(released);
    }
}
