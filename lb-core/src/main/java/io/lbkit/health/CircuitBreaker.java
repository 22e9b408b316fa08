package io.lbkit.health;

import io.lbkit.internal.Preconditions;
import java.time.Duration;

/**
 * A per-endpoint circuit breaker: closed, then open after {@link #failureThreshold()} failures in
 * a row, then half-open after {@link #openDuration()}, letting at most {@link #trialCalls()} calls
 * through at once; {@code trialCalls} successes close it, any failure opens it again. Immutable
 * and thread-safe.
 *
 * <p>An open endpoint is left out of the routing table; a half-open one is in it with an in-flight
 * cap of {@code trialCalls}. Off unless configured with
 * {@link io.lbkit.LoadBalancer.Builder#circuitBreaker(CircuitBreaker)}.
 */
public final class CircuitBreaker {

    private final int failureThreshold;
    private final Duration openDuration;
    private final int trialCalls;

    private CircuitBreaker(Builder b) {
        failureThreshold = b.failureThreshold;
        openDuration = b.openDuration;
        trialCalls = b.trialCalls;
    }

    /** A breaker with the defaults: 5 failures, 10 s open, 3 trial calls. */
    public static CircuitBreaker ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public int failureThreshold() {
        return failureThreshold;
    }

    public Duration openDuration() {
        return openDuration;
    }

    public int trialCalls() {
        return trialCalls;
    }

    @Override
    public String toString() {
        return "CircuitBreaker[failureThreshold=" + failureThreshold + ", openDuration="
                + openDuration + ", trialCalls=" + trialCalls + "]";
    }

    /** Builds a {@link CircuitBreaker}. Not thread-safe. Each option may be set once. */
    public static final class Builder {
        private int failureThreshold = 5;
        private Duration openDuration = Duration.ofSeconds(10);
        private int trialCalls = 3;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();

        private Builder() {}

        /** Failures in a row that open the circuit, 1..10,000; default 5. */
        public Builder failureThreshold(int n) {
            failureThreshold = set.range("failureThreshold", failureThreshold, n, 1, 10_000);
            return this;
        }

        /** How long the circuit stays open before trial calls, 10 ms..1 h; default 10 s. */
        public Builder openDuration(Duration d) {
            openDuration = set.range("openDuration", openDuration, d,
                    Duration.ofMillis(10), Duration.ofHours(1));
            return this;
        }

        /** Concurrent trial calls when half-open, and successes that close it, 1..1,000; default 3. */
        public Builder trialCalls(int n) {
            trialCalls = set.range("trialCalls", trialCalls, n, 1, 1_000);
            return this;
        }

        public CircuitBreaker build() {
            return new CircuitBreaker(this);
        }
    }
}
