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
    /** Whether the candidates have adaptive concurrency limits (all or none do). */
    private final boolean limited;
    private final Ticker ticker;
    /**
     * What picks throw when {@link #states} is empty, or when every candidate is at its cap:
     * made once per table, without a stack trace, so a failed pick costs no more than a
     * successful one. Null where it cannot happen.
     */
    private final NoEndpointAvailableException emptyFailure;
    private final NoEndpointAvailableException capacityFailure;

    private RoutingTable(EndpointState[] states, int[] weights, int[] caps, Strategy strategy,
            Ticker ticker, NoEndpointAvailableException.Reason emptyReason, String message) {
        this.states = states;
        this.weights = weights;
        this.caps = caps;
        this.limited = states.length > 0 && states[0].limiter != null;
        this.ticker = ticker;
        this.emptyFailure = states.length == 0
                ? new NoEndpointAvailableException(emptyReason, message, true) : null;
        this.capacityFailure = states.length > 0 && (caps != null || limited)
                ? new NoEndpointAvailableException(
                        NoEndpointAvailableException.Reason.AT_CAPACITY, message, true)
                : null;
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
        EndpointState s = acquire(picker.pick());
        return s != null ? s : throwFailure();
    }

    @Override
    EndpointState pick(long hash) {
        EndpointState s = acquire(picker.pick(hash));
        return s != null ? s : throwFailure();
    }

    @Override
    EndpointState tryPick() {
        return acquire(picker.pick());
    }

    @Override
    EndpointState tryPick(long hash) {
        return acquire(picker.pick(hash));
    }

    private EndpointState throwFailure() {
        throw states.length == 0 ? emptyFailure : capacityFailure;
    }

    /**
     * The state to hand out for the picker's answer {@code i}, with its in-flight count raised;
     * skips candidates at their cap or concurrency limit. Null if there is no candidate, or all
     * are at their caps.
     */
    private EndpointState acquire(int i) {
        if (i < 0) {
            return null;
        }
        if ((caps != null || limited) && full(i)) {
            i = nextUnderCap(i);
            if (i < 0) {
                return null;
            }
        }
        EndpointState s = states[i];
        s.acquire();
        return s;
    }

    /** The next candidate after {@code from}, cyclically, below its cap; -1 if none. */
    private int nextUnderCap(int from) {
        int n = states.length;
        for (int k = 1; k < n; k++) {
            int j = (from + k) % n;
            if (!full(j)) {
                return j;
            }
        }
        return -1;
    }

    /** Whether candidate {@code i} is at its cap or concurrency limit. */
    private boolean full(int i) {
        return states[i].atCapacity(caps == null ? Integer.MAX_VALUE : caps[i]);
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
