package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.health.HealthEvent;
import io.lbkit.internal.XxHash64;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The {@link LoadBalancer}. Thread-safe.
 */
/*
 * Implementation notes.
 *
 * Readers never wait; writers copy. pick() does one volatile read of `table`, asks the table's
 * picker for an index (lock-free by the Picker contract), bumps that endpoint's in-flight
 * count and returns the endpoint's state as the Pick: no lock, no allocation. Only when the
 * table has in-flight caps (overload guard, half-open circuits) or concurrency limits does it
 * read the chosen endpoint's in-flight sum (and its limiter's limit) and, at its cap, move on to
 * the next candidate.
 *
 * Writers (group snapshots, health changes, slow-start ticks, close) change the states under
 * `lock`: a snapshot reuses the state of every address that stays, a health rule moves an
 * endpoint in or out of rotation. Each change is recorded (changedLocked), and TableRebuilds
 * brings `table` up to date: one thread at a time plans it under the lock (TablePlan.plan) and
 * builds the pickers outside it, and publishes it with one volatile write only if nothing newer
 * was published. A reporter never waits behind another thread's build; a snapshot waits for the
 * table that reflects it. A pick that started before the write may still return an endpoint that
 * was just removed; a pick that starts after it never does.
 *
 * The local zone and region (the only topology settings that change at run time) live in
 * `topology`, written under the lock and volatile so that the getters need no lock; a change
 * rebuilds the table from the same states, so in-flight counts, latency and health carry over.
 */
final class DefaultLoadBalancer implements LoadBalancer {

    private final EndpointGroup group;
    private final BalancerConfig config;
    private final long decayNanos;
    private final Object lock = new Object();
    private final HealthController health;
    private final Observers observers;
    /** Shared by this balancer's endpoint states; see FailureWatch. */
    private final FailureWatch failureWatch = new FailureWatch();
    /** The cumulative call counts of every endpoint, present and past. */
    private final BalancerCounters counters;
    /** Per-address state of the current snapshot, in the group's order. Guarded by lock. */
    private Map<String, EndpointState> states = Map.of();
    /** Guarded by lock. */
    private boolean closed;
    /** Guarded by lock. */
    private boolean seenSnapshot;
    /** Guarded by lock. */
    private boolean panic;
    /** Plans, builds and publishes `table` after each change, one thread at a time. */
    private final TableRebuilds rebuilds;
    /** Written under lock; volatile for the lock-free getters. */
    private volatile Topology topology;
    private volatile Route table;
    private final EndpointGroup.Subscription subscription;
    /** Null unless built with strictPicks: then every pick is wrapped in a handle of its own. */
    private final StrictPicks strict;

    DefaultLoadBalancer(EndpointGroup group, BalancerConfig config) {
        this.group = group;
        this.observers = new Observers(config.listener());
        this.counters = new BalancerCounters(config.ticker());
        this.config = config.withListener(observers);
        this.decayNanos = config.strategy().latencyDecay().toNanos();
        this.health = new HealthController(this, lock, this.config);
        this.rebuilds = new TableRebuilds(lock, health, config.scheduler(), this::planLocked,
                () -> closed, route -> table = route);
        this.strict = config.strictPicks() ? new StrictPicks("LoadBalancer over " + group) : null;
        this.topology = config.topology();
        this.table = RoutingTable.empty(NoEndpointAvailableException.Reason.EMPTY,
                "no endpoints yet: " + group + " is not ready");
        synchronized (lock) {
            health.start();
        }
        this.subscription = group.subscribe(endpoints -> onEndpoints(endpoints, false));
        // subscribe() delivers the current snapshot before it returns unless another thread is
        // delivering this group's snapshots at that moment; build() promises a table when the
        // group is ready, so then take the current snapshot here. The queued delivery comes
        // later and is applied in its turn, followed by any newer ones.
        CompletableFuture<List<Endpoint>> ready = group.whenReady();
        if (ready.isDone() && !ready.isCompletedExceptionally()) {
            onEndpoints(group.endpoints(), true);
        }
    }

    /**
     * Applies a snapshot of the group and publishes its table before it returns.
     *
     * @param ifFirst apply it only if no snapshot was applied yet
     */
    private void onEndpoints(List<Endpoint> endpoints, boolean ifFirst) {
        try {
            if (applyLocked(endpoints, ifFirst)) {
                publish(true);
                observers.onEndpoints(endpoints); // in order: the group delivers serially
            }
        } finally {
            health.deliverEvents();
        }
    }

    /** Takes the snapshot's states; false if it was not applied. */
    private boolean applyLocked(List<Endpoint> endpoints, boolean ifFirst) {
        synchronized (lock) {
            if (closed || (ifFirst && seenSnapshot)) {
                return false;
            }
            Map<String, EndpointState> next = new LinkedHashMap<>(endpoints.size() * 2);
            List<EndpointState> added = new ArrayList<>();
            for (Endpoint e : endpoints) {
                EndpointState s = states.get(e.address());
                if (s == null) {
                    s = new EndpointState(e, config.ticker(), decayNanos,
                            health.passive() ? health : null, observers,
                            config.concurrencyLimit() == null ? null
                                    : config.concurrencyLimit().newLimiter(), failureWatch);
                    added.add(s);
                } else {
                    s.endpoint(e);
                }
                next.put(e.address(), s);
            }
            List<EndpointState> removed = new ArrayList<>();
            for (EndpointState s : states.values()) {
                if (next.get(s.endpoint().address()) != s) {
                    removed.add(s);
                }
            }
            states = next;
            counters.membership(next.values(), removed);
            health.left(removed);
            health.joined(added, !seenSnapshot);
            seenSnapshot = true;
            changedLocked();
            return true;
        }
    }

    /** The current snapshot's states. Call under the lock. */
    Collection<EndpointState> statesLocked() {
        return states.values();
    }

    /**
     * Records a change that the routing table must reflect. Call under the lock, then
     * {@link TableRebuilds#publish} without it.
     */
    void changedLocked() {
        rebuilds.changedLocked();
    }

    /** Brings the routing table up to date; see {@link TableRebuilds#publish}. */
    void publish(boolean await) {
        rebuilds.publish(await);
    }

    /**
     * Plans the table for the current states, and updates the panic flag (queueing its event
     * for this plan's publication). Call under the lock.
     */
    private TablePlan planLocked(long version) {
        TablePlan plan = TablePlan.plan(version, states.values(), config, topology, health, group);
        setPanic(plan.panic, plan.eligible, plan.total);
        health.tagEvents(plan.version);
        return plan;
    }

    private void setPanic(boolean nowPanic, int healthy, int total) {
        if (nowPanic != panic) {
            panic = nowPanic;
            health.emit(nowPanic ? HealthEvent.Type.PANIC_ENTERED : HealthEvent.Type.PANIC_LEFT,
                    null, healthy + " of " + total + " endpoints healthy; panic threshold "
                            + config.panicPercent() + "%");
        }
    }

    @Override
    public Pick pick() {
        EndpointState s;
        try {
            s = table.pick();
        } catch (NoEndpointAvailableException e) {
            throw rejected(e);
        }
        return strict == null ? s : strict.track(s);
    }

    @Override
    public Pick pick(long key) {
        return pickHash(XxHash64.hashLong(key, 0));
    }

    @Override
    public Pick pick(CharSequence key) {
        return pickHash(XxHash64.hashChars(requireNonNull(key, "key"), 0));
    }

    @Override
    public Pick pick(byte[] key) {
        return pickHash(XxHash64.hash(requireNonNull(key, "key"), 0));
    }

    private Pick pickHash(long hash) {
        EndpointState s;
        try {
            s = table.pick(hash);
        } catch (NoEndpointAvailableException e) {
            throw rejected(e);
        }
        return strict == null ? s : strict.track(s);
    }

    /** Tells the observers of a refused pick; off the pick path proper (an exception is thrown). */
    private NoEndpointAvailableException rejected(NoEndpointAvailableException e) {
        observers.onRejected(e.reason());
        return e;
    }

    @Override
    public EndpointGroup.Subscription observe(LoadBalancerObserver observer) {
        return observers.add(observer);
    }

    /**
     * As {@link #pick()}, null instead of the exception: {@link TrafficSplit}'s fallback. A route
     * that cannot serve is not a refused call (the split falls back), so observers are not told.
     */
    Pick tryPick() {
        EndpointState s = table.tryPick();
        return strict == null ? s : strict.track(s);
    }

    /**
     * As the keyed picks, for the key's hash (xxHash64, seed 0, as they compute it); null
     * instead of the exception.
     */
    Pick tryPickHashed(long hash) {
        EndpointState s = table.tryPick(hash);
        return strict == null ? s : strict.track(s);
    }

    @Override
    public List<EndpointStats> stats() {
        synchronized (lock) {
            List<EndpointStats> out = new ArrayList<>(states.size());
            long now = config.ticker().read();
            for (EndpointState s : states.values()) {
                out.add(health.stats(s, now));
            }
            return List.copyOf(out);
        }
    }

    @Override
    public CallCounters counters() {
        return counters;
    }

    @Override
    public Optional<CallCounters> counters(Endpoint endpoint) {
        requireNonNull(endpoint, "endpoint");
        synchronized (lock) {
            EndpointState s = states.get(endpoint.address());
            return s == null ? Optional.empty() : Optional.of(s.counters);
        }
    }

    @Override
    public boolean inPanic() {
        synchronized (lock) {
            return panic;
        }
    }

    @Override
    public void locality(String zone, String region) {
        Topology.checkName("localZone", zone);
        Topology.checkName("localRegion", region);
        synchronized (lock) {
            Topology t = topology;
            if (Objects.equals(zone, t.localZone()) && Objects.equals(region, t.localRegion())) {
                return;
            }
            topology = t.withLocality(zone, region);
            if (!seenSnapshot || closed) { // before the first snapshot the table stays "not ready"
                return;
            }
            changedLocked();
        }
        try {
            publish(true);
        } finally {
            health.deliverEvents();
        }
    }

    @Override
    public Optional<String> localZone() {
        return Optional.ofNullable(topology.localZone());
    }

    @Override
    public Optional<String> localRegion() {
        return Optional.ofNullable(topology.localRegion());
    }

    @Override
    public void close() {
        subscription.close();
        health.close();
        synchronized (lock) {
            closed = true;
            rebuilds.closedLocked();
            // Changes recorded before close whose table a build in flight will not publish:
            // their events still happened.
            health.flushEvents(Long.MAX_VALUE);
            states = Map.of();
            table = RoutingTable.empty(NoEndpointAvailableException.Reason.CLOSED,
                    "load balancer over " + group + " was closed");
        }
        health.deliverEvents();
    }

    @Override
    public String toString() {
        return "LoadBalancer[" + config.strategy() + ", " + group + "]";
    }
}
