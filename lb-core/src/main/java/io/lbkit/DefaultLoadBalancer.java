package io.lbkit;

import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@link LoadBalancer}. Thread-safe.
 */
/*
 * Implementation notes.
 *
 * Readers never wait; writers copy. pick() does one volatile read of `table`, asks the table's
 * picker for an index (lock-free by the Picker contract), bumps that endpoint's in-flight
 * adder and returns the endpoint's state as the Pick: no lock, no allocation.
 *
 * Writers (group snapshots, close) are serialised by `lock`. They reuse the state of every
 * address that stays, build a new RoutingTable and publish it with one volatile write. A pick
 * that started before the write may still return an endpoint that was just removed; a pick that
 * starts after it never does.
 */
final class DefaultLoadBalancer implements LoadBalancer {

    private final EndpointGroup group;
    private final Strategy strategy;
    private final Ticker ticker;
    private final long decayNanos;
    private final Object lock = new Object();
    /** Per-address state of the current snapshot. Guarded by {@link #lock}. */
    private Map<String, EndpointState> states = Map.of();
    /** Guarded by {@link #lock}. */
    private boolean closed;
    private volatile RoutingTable table;
    private final EndpointGroup.Subscription subscription;

    DefaultLoadBalancer(EndpointGroup group, Strategy strategy, Ticker ticker) {
        this.group = group;
        this.strategy = strategy;
        this.ticker = ticker;
        this.decayNanos = strategy.latencyDecay().toNanos();
        this.table = RoutingTable.empty(NoEndpointAvailableException.Reason.EMPTY,
                "no endpoints yet: " + group + " is not ready");
        this.subscription = group.subscribe(this::onEndpoints);
    }

    private void onEndpoints(List<Endpoint> endpoints) {
        synchronized (lock) {
            if (closed) {
                return;
            }
            Map<String, EndpointState> next = new HashMap<>(endpoints.size() * 2);
            EndpointState[] eligible = new EndpointState[endpoints.size()];
            for (int i = 0; i < eligible.length; i++) {
                Endpoint e = endpoints.get(i);
                EndpointState s = states.get(e.address());
                if (s == null) {
                    s = new EndpointState(e, ticker, decayNanos);
                } else {
                    s.endpoint(e);
                }
                next.put(e.address(), s);
                eligible[i] = s;
            }
            states = next;
            table = eligible.length == 0
                    ? RoutingTable.empty(NoEndpointAvailableException.Reason.EMPTY,
                            group + " has no endpoints")
                    : RoutingTable.of(eligible, strategy, ticker);
        }
    }

    @Override
    public Pick pick() {
        RoutingTable t = table;
        int i = t.picker.pick();
        if (i < 0) {
            throw t.noEndpoint();
        }
        EndpointState s = t.states[i];
        s.acquire();
        return s;
    }

    @Override
    public Pick pick(long key) {
        RoutingTable t = table;
        int i = t.picker.pick(key);
        if (i < 0) {
            throw t.noEndpoint();
        }
        EndpointState s = t.states[i];
        s.acquire();
        return s;
    }

    @Override
    public List<EndpointStats> stats() {
        EndpointState[] current = table.states;
        List<EndpointStats> out = new ArrayList<>(current.length);
        for (EndpointState s : current) {
            out.add(s.stats());
        }
        return List.copyOf(out);
    }

    @Override
    public EndpointGroup group() {
        return group;
    }

    @Override
    public void close() {
        subscription.close();
        synchronized (lock) {
            closed = true;
            states = Map.of();
            table = RoutingTable.empty(NoEndpointAvailableException.Reason.CLOSED,
                    "load balancer over " + group + " was closed");
        }
    }

    @Override
    public String toString() {
        return "LoadBalancer[" + strategy + ", " + group + "]";
    }
}
