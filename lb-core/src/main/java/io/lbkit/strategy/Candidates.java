package io.lbkit.strategy;

import io.lbkit.Endpoint;
import io.lbkit.Ticker;

/**
 * The endpoints a strategy chooses among: the eligible endpoints of one routing table, with
 * their live load. The set, its order and the weights are fixed for the table's lifetime; the
 * load figures change with every call. Thread-safe.
 */
public interface Candidates {

    /** The number of candidates; at least 1 when given to {@link Strategy#newPicker}. */
    int size();

    /** The candidate at {@code index}, {@code 0 <= index < size()}. */
    Endpoint endpoint(int index);

    /** The candidate's effective weight (the endpoint's weight, or less during slow start). */
    int weight(int index);

    /** Calls picked on the candidate and not yet reported; a live, approximate figure. */
    int inFlight(int index);

    /**
     * The candidate's peak-EWMA latency in nanoseconds, decayed to {@code now}; 0 until a call
     * completes. Tracked only for strategies whose {@link Strategy#latencyDecay()} is positive;
     * 0 otherwise.
     *
     * @param now a reading of {@link #ticker()}
     */
    double latencyNanos(int index, long now);

    /** The balancer's time source. */
    Ticker ticker();
}
