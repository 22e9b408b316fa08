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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The {@link LoadBalancer}. Thread-safe.
 */
/*
 * Implementation notes.
 *
 * Readers never wait; writers copy. pick() does one volatile read of `table`, asks the table's
 * picker for an index (lock-free by the Picker contract), bumps that endpoint's in-flight
 * adder and returns the endpoint's state as the Pick: no lock, no allocation. Only when the
 * table has in-flight caps (overload guard, half-open circuits) or concurrency limits does it
 * read the chosen endpoint's in-flight sum (and its limiter's limit) and, at its cap, move on to
 * the next candidate.
 *
 * Writers (group snapshots, health changes, slow-start ticks, close) change the states under
 * `lock`: a snapshot reuses the state of every address that stays, a health rule moves an
 * endpoint in or out of rotation. Each change bumps `changes` (changedLocked). The table is then
 * rebuilt single-flight (publish): one thread at a time, the `rebuilder`, plans it under the lock
 * (TablePlan.plan: eligible sets, tiers, weights, caps; O(n)), builds the pickers outside the
 * lock (a ring or Maglev table of many endpoints takes milliseconds), and publishes it under the
 * lock with one volatile write of `table`, only if nothing newer was published (`published`), so
 * an older table never replaces a newer one. It repeats while changes arrived during its build, at
 * most MAX_BUILDS times, then hands the rest to a scheduler task. A reporter that finds a
 * rebuilder at work returns at once: the rebuilder's next plan sees its change. So a report
 * never waits behind another thread's build, and one thread alone sees its change in effect when
 * its report returns. A snapshot or locality change waits (lock released) for a table that
 * reflects it, since users expect a group edit to be in effect when it returns. One rebuilder
 * means the strategy's newPicker is called by one thread at a time, as Strategy promises.
 *
 * Health events are tied to the change they describe (HealthController.tagEvents) and queued for
 * delivery when a table reflecting that change is published, in order; they are delivered
 * outside the lock. A pick that started before the table write may still return an endpoint that
 * was just removed; a pick that starts after it never does.
 *
 * The local zone and region (the only topology settings that change at run time) live in
 * `topology`, written under the lock and volatile so that the getters need no lock; a change
 * rebuilds the table from the same states, so in-flight counts, latency and health carry over.
 */
final class DefaultLoadBalancer implements LoadBalancer {

    private static final System.Logger LOG = System.getLogger(LoadBalancer.class.getName());
    /**
     * 2: how many tables a reporting thread builds at most before it hands the changes still
     * coming in to the scheduler. The second build covers every change made during the first.
     */
    static final int MAX_BUILDS = 2;

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
    /** The number of changes recorded (see changedLocked). Guarded by lock. */
    private long changes;
    /** The change count the published table reflects. Guarded by lock. */
    private long published;
    /** The thread planning, building and publishing tables; null when none. Guarded by lock. */
    private Thread rebuilder;
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
     * Records a change that the routing table must reflect: bumps the change count and ties the
     * health events queued so far to it. Call under the lock, then {@link #publish} without it.
     */
    void changedLocked() {
        changes++;
        health.tagEvents(changes);
    }

    /**
     * Brings the routing table up to date with the changes recorded so far. Call holding no lock,
     * after {@link #changedLocked()}; then {@link HealthController#deliverEvents()}.
     *
     * <p>When no other thread is rebuilding, this thread becomes the rebuilder: it plans the
     * table under the lock, builds it outside, publishes it under the lock, and repeats while
     * changes arrived meanwhile, at most {@link #MAX_BUILDS} times before it hands what is left
     * to the scheduler. So a thread alone sees its change in effect when this returns.
     *
     * <p>When another thread is rebuilding, that thread will publish this change too: a report
     * ({@code await} false) returns at once; a group snapshot or locality change ({@code await}
     * true) waits, with the lock released, until a table reflecting it is published, or until it
     * may take over as rebuilder.
     */
    void publish(boolean await) {
        TablePlan plan;
        synchronized (lock) {
            long target = changes;
            boolean interrupted = false;
            try {
                while (rebuilder != null && await && rebuilder != Thread.currentThread()
                        && !closed && published < target) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (rebuilder != null || closed || published >= target) {
                return;
            }
            rebuilder = Thread.currentThread();
            plan = planLocked();
        }
        for (int builds = 1; ; builds++) {
            Route route;
            try {
                route = plan.build();
            } catch (RuntimeException | Error e) {
                synchronized (lock) {
                    health.flushEvents(plan.version); // the changes happened; say so
                    releaseLocked();
                }
                throw e;
            }
            synchronized (lock) {
                if (!closed && plan.version > published) {
                    table = route;
                    published = plan.version;
                    health.flushEvents(published);
                    if (plan.ramping) {
                        health.rampPending();
                    }
                }
                if (closed || published >= changes) {
                    releaseLocked();
                    return;
                }
                if (builds >= MAX_BUILDS && handOffLocked()) {
                    return;
                }
                plan = planLocked();
            }
        }
    }

    /**
     * Plans the table for the current states and changes, and updates the panic flag (queueing
     * its event for this plan's publication). Call under the lock.
     */
    private TablePlan planLocked() {
        TablePlan plan = TablePlan.plan(changes, states.values(), config, topology, health, group);
        setPanic(plan.panic, plan.eligible, plan.total);
        health.tagEvents(plan.version);
        return plan;
    }

    /** This thread stops being the rebuilder. Call under the lock. */
    private void releaseLocked() {
        rebuilder = null;
        lock.notifyAll(); // waiting snapshots: published, or theirs to take over
    }

    /**
     * Hands the changes still unpublished to a scheduler task, so that a stream of changes does
     * not keep one reporter building; false if the scheduler refused it (then this thread goes
     * on). Call under the lock, as the rebuilder.
     */
    private boolean handOffLocked() {
        releaseLocked();
        try {
            config.scheduler().schedule(this::catchUp, 0, TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            rebuilder = Thread.currentThread();
            return false;
        }
    }

    /** The scheduler's task after a hand-off: publishes what is left, unless a reporter did. */
    private void catchUp() {
        try {
            publish(false);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "lbkit routing table build failed", e);
        } finally {
            health.deliverEvents();
        }
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
            lock.notifyAll(); // snapshots waiting for a table: there will be none
            states = Map.of();
            table = RoutingTable.empty(NoEndpointAvailableException.Reason.CLOSED,
                    "load balancer over " + group + " was closed");
        }
    }

    @Override
    public String toString() {
        return "LoadBalancer[" + config.strategy() + ", " + group + "]";
    }
}
