package io.lbkit;

import io.lbkit.health.HealthEvent;
import java.util.List;

/**
 * Watches what a {@link LoadBalancer} does, for metrics: every reported call, every pick refused,
 * every health event and every endpoint snapshot. Register one with
 * {@link LoadBalancer#observe(LoadBalancerObserver)}; every method has an empty default, so an
 * observer implements only what it counts.
 *
 * <p>Implementations must be thread-safe and fast, and must not block or call back into the
 * balancer's configuration: {@link #onCall} runs on the thread that reports the call, inside
 * {@link Pick#onSuccess}, {@link Pick#onFailure} or {@link Pick#release}, once per call. Nothing
 * is called on a successful pick. An observer that throws is logged and skipped; the report, the
 * balancer and the other observers carry on. An observer whose class does not override
 * {@link #onCall} costs a report nothing (metrics that need no per-call work read
 * {@link LoadBalancer#counters()} at collection time instead).
 */
public interface LoadBalancerObserver {

    /** How a picked call ended, as its caller reported it. */
    enum Outcome {
        /** Reported with {@link Pick#onSuccess}. */
        SUCCESS,
        /** Reported with {@link Pick#onFailure}. */
        FAILURE,
        /** Reported with {@link Pick#release}: no outcome, no latency. */
        RELEASED
    }

    /**
     * A picked call was reported. Called once per report, after the balancer's own accounting
     * (the call no longer counts in flight) and before any health rule it triggers takes effect.
     *
     * @param endpoint the endpoint the call went to
     * @param outcome how it ended
     * @param latencyNanos the latency the caller reported, 0 or more; 0 for
     *     {@link Outcome#RELEASED}
     */
    default void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {}

    /**
     * A pick failed with {@link NoEndpointAvailableException}, on the thread that picked, just
     * before the exception is thrown.
     */
    default void onRejected(NoEndpointAvailableException.Reason reason) {}

    /**
     * A health event (ejection, circuit change, UP/DOWN, panic), delivered as the balancer's
     * {@link LoadBalancer.Builder#healthListener health listener} receives it: in order, once the
     * routing table reflects it.
     */
    default void onHealthEvent(HealthEvent event) {}

    /**
     * The balancer took a new endpoint snapshot from its group and published the routing table
     * built from it. Called on the group's delivering thread, after the balancer released its
     * lock, in the order the group published the snapshots.
     *
     * @param endpoints the new snapshot, immutable
     */
    default void onEndpoints(List<Endpoint> endpoints) {}
}
