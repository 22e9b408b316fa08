package io.lbkit;

import io.lbkit.strategy.Candidates;
import io.lbkit.strategy.Picker;
import io.lbkit.strategy.Strategy;

/**
 * One immutable routing table: the eligible endpoints' states and the strategy's picker built
 * for exactly them. Thread-safe; never changes after construction.
 */
final class RoutingTable implements Candidates {

    final EndpointState[] states;
    final Picker picker;
    private final int[] weights;
    private final Ticker ticker;
    /** The reason picks fail when {@link #states} is empty; null otherwise. */
    final NoEndpointAvailableException.Reason emptyReason;
    private final String emptyMessage;

    private RoutingTable(EndpointState[] states, Strategy strategy, Ticker ticker,
            NoEndpointAvailableException.Reason emptyReason, String emptyMessage) {
        this.states = states;
        this.ticker = ticker;
        this.weights = new int[states.length];
        for (int i = 0; i < states.length; i++) {
            weights[i] = states[i].endpoint().weight();
        }
        this.emptyReason = emptyReason;
        this.emptyMessage = emptyMessage;
        this.picker = states.length == 0 ? () -> -1 : strategy.newPicker(this);
    }

    static RoutingTable of(EndpointState[] states, Strategy strategy, Ticker ticker) {
        return new RoutingTable(states, strategy, ticker, null, null);
    }

    static RoutingTable empty(NoEndpointAvailableException.Reason reason, String message) {
        return new RoutingTable(new EndpointState[0], null, null, reason, message);
    }

    NoEndpointAvailableException noEndpoint() {
        return new NoEndpointAvailableException(emptyReason, emptyMessage);
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
    public Ticker ticker() {
        return ticker;
    }
}
