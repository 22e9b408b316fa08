package io.lbkit;

import io.lbkit.strategy.Candidates;
import io.lbkit.strategy.Picker;
import io.lbkit.strategy.Strategy;

/**
 * One immutable routing table: the eligible endpoints' states, their effective weights and
 * in-flight caps, and the strategy's picker built for exactly them. Thread-safe; never changes
 * after construction.
 */
final class RoutingTable extends Route implements Candidates {

    final EndpointState[] states;
    final Picker picker;
    private final int[] weights;
    /** Per-candidate in-flight caps, or null when no candidate is capped. */
    private final int[] caps;
    private final Ticker ticker;
    /** Why picks fail when {@link #states} is empty; null otherwise. */
    private final NoEndpointAvailableException.Reason emptyReason;
    private final String emptyMessage;
    private final String capacityMessage;

    private RoutingTable(EndpointState[] states, int[] weights, int[] caps, Strategy strategy,
            Ticker ticker, NoEndpointAvailableException.Reason emptyReason, String message) {
        this.states = states;
        this.weights = weights;
        this.caps = caps;
        this.ticker = ticker;
        this.emptyReason = emptyReason;
        this.emptyMessage = states.length == 0 ? message : null;
        this.capacityMessage = states.length == 0 ? null : message;
        this.picker = states.length == 0 ? () -> -1 : strategy.newPicker(this);
    }

    /**
     * @param capacityMessage the message of the exception thrown when every candidate is at its
     *     cap
     */
    static RoutingTable of(EndpointState[] states, int[] weights, int[] caps, Strategy strategy,
            Ticker ticker, String capacityMessage) {
        return new RoutingTable(states, weights, caps, strategy, ticker, null, capacityMessage);
    }

    static RoutingTable empty(NoEndpointAvailableException.Reason reason, String message) {
        return new RoutingTable(new EndpointState[0], new int[0], null, null, null, reason,
                message);
    }

    @Override
    EndpointState pick() {
        return acquire(picker.pick());
    }

    @Override
    EndpointState pick(long hash) {
        return acquire(picker.pick(hash));
    }

    /**
     * The state to hand out for the picker's answer {@code i}, with its in-flight count raised;
     * skips candidates at their cap.
     *
     * @throws NoEndpointAvailableException if there is no candidate, or all are at their caps
     */
    private EndpointState acquire(int i) {
        if (i < 0) {
            throw new NoEndpointAvailableException(emptyReason, emptyMessage);
        }
        if (caps != null && states[i].inFlight() >= caps[i]) {
            i = nextUnderCap(i);
        }
        EndpointState s = states[i];
        s.acquire();
        return s;
    }

    /** The next candidate after {@code from}, cyclically, below its cap. */
    private int nextUnderCap(int from) {
        int n = states.length;
        for (int k = 1; k < n; k++) {
            int j = (from + k) % n;
            if (states[j].inFlight() < caps[j]) {
                return j;
            }
        }
        throw new NoEndpointAvailableException(NoEndpointAvailableException.Reason.AT_CAPACITY,
                capacityMessage);
    }

    @Override
    public int size() {
        return states.length;
    }

    @Override
    public Endpoint endpoint(int index) {
        return states[index].endpoint();
    }

    @Override
    public int weight(int index) {
        return weights[index];
    }

    @Override
    public int inFlight(int index) {
        return states[index].inFlight();
    }

    @Override
    public double latencyNanos(int index, long now) {
        return states[index].latencyNanos(now);
    }

    @Override
    public double failurePenalty(int index) {
        return states[index].failurePenalty();
    }

    @Override
    public boolean recentlyFailing(int index) {
        return states[index].recentlyFailing();
    }

    @Override
    public Ticker ticker() {
        return ticker;
    }
}
