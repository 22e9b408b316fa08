package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.health.HealthEvent;
import io.lbkit.internal.XxHash64;
import java.util.ArrayList;
import java.util.Arrays;
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
 * adder and returns the endpoint's state as the Pick: no lock, no allocation. Only when the
 * table has in-flight caps (overload guard, half-open circuits) or concurrency limits does it
 * read the chosen endpoint's in-flight sum (and its limiter's limit) and, at its cap, move on to
 * the next candidate.
 *
 * Writers (group snapshots, health changes, slow-start ticks, close) are serialised by `lock`.
 * They reuse the state of every address that stays, build a new RoutingTable with the eligible
 * endpoints and publish it with one volatile write. A pick that started before the write may
 * still return an endpoint that was just removed; a pick that starts after it never does.
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
        this.subscription = group.subscribe(this::onEndpoints);
        // subscribe() delivers the current snapshot before it returns unless another thread is
        // delivering this group's snapshots at that moment; build() promises a table when the
        // group is ready, so then take the current snapshot here. The queued delivery comes
        // later and is applied in its turn, followed by any newer ones.
        CompletableFuture<List<Endpoint>> ready = group.whenReady();
        if (ready.isDone() && !ready.isCompletedExceptionally()) {
            try {
                synchronized (lock) {
                    if (!seenSnapshot) {
                        onEndpointsLocked(group.endpoints());
                    }
                }
            } finally {
                health.deliverEvents();
            }
        }
    }

    private void onEndpoints(List<Endpoint> endpoints) {
        try {
            onEndpointsLocked(endpoints);
        } finally {
            health.deliverEvents();
        }
    }

    private void onEndpointsLocked(List<Endpoint> endpoints) {
        synchronized (lock) {
            if (closed) {
                return;
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
            rebuildLocked();
        }
        observers.onEndpoints(endpoints); // outside the lock; in order: the group delivers serially
    }

    /** The current snapshot's states. Call under the lock. */
    Collection<EndpointState> statesLocked() {
        return states.values();
    }

    /**
     * Builds and publishes the routing table from the current states, then queues the health
     * events for it; they are delivered by {@link HealthController#deliverEvents()} once the lock
     * is released. Call under the lock.
     */
    void rebuildLocked() {
        try {
            rebuild();
        } finally {
            health.flushEvents();
        }
    }

    private void rebuild() {
        if (closed) {
            return;
        }
        Collection<EndpointState> all = states.values();
        if (all.isEmpty()) {
            table = RoutingTable.empty(NoEndpointAvailableException.Reason.EMPTY,
                    group + " has no endpoints");
            setPanic(false, 0, 0);
            return;
        }
        List<EndpointState> eligible = new ArrayList<>(all.size());
        for (EndpointState s : all) {
            if (eligible(s)) {
                eligible.add(s);
            }
        }
        int percent = config.panicPercent();
        List<EndpointState> chosen = eligible;
        if (percent > 0 && eligible.size() * 100L < (long) percent * all.size()) {
            chosen = panicSet(all, eligible);
        }
        boolean nowPanic = chosen != eligible;
        setPanic(nowPanic, eligible.size(), all.size());
        if (chosen.isEmpty()) {
            table = RoutingTable.empty(NoEndpointAvailableException.Reason.NONE_ELIGIBLE,
                    "none of the " + all.size() + " endpoints of " + group
                            + " is eligible (down, ejected or circuit open) and panic routing"
                            + " is off");
            return;
        }
        long now = config.ticker().read();
        boolean[] ramping = new boolean[1];
        if (nowPanic) {
            table = flat(chosen, now, ramping);
        } else {
            table = tiered(all, now, ramping);
        }
        if (ramping[0]) {
            health.rampPending();
        }
    }

    /**
     * The route when not in panic: eligible endpoints split into tiers by priority and, within a
     * priority, by zone (local zone, local region, the rest); each tier's share follows
     * {@link Topology#spill}.
     */
    private Route tiered(Collection<EndpointState> all, long now, boolean[] ramping) {
        Topology topology = this.topology;
        // Tiers keyed by priority * 3 + zone tier, in that order.
        java.util.TreeMap<Integer, List<EndpointState>> eligibleByTier = new java.util.TreeMap<>();
        java.util.TreeMap<Integer, int[]> counts = new java.util.TreeMap<>(); // {healthy, total}
        java.util.TreeMap<Integer, Integer> priorityTotals = new java.util.TreeMap<>();
        for (EndpointState s : all) {
            priorityTotals.merge(s.endpoint().priority(), 1, Integer::sum);
        }
        for (EndpointState s : all) {
            int p = s.endpoint().priority();
            int key = p * 3 + topology.zoneTier(s.endpoint(), priorityTotals.get(p));
            int[] c = counts.computeIfAbsent(key, k -> new int[2]);
            c[1]++;
            if (eligible(s)) {
                c[0]++;
                eligibleByTier.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            }
        }
        List<RoutingTable> tables = new ArrayList<>();
        List<Double> shares = new ArrayList<>();
        // Priorities first: each level's health, then the spill across levels.
        List<Integer> priorities = new ArrayList<>(priorityTotals.keySet());
        double[] priorityHealth = new double[priorities.size()];
        for (int i = 0; i < priorities.size(); i++) {
            int p = priorities.get(i);
            int healthy = 0;
            for (int t = 0; t < 3; t++) {
                int[] c = counts.get(p * 3 + t);
                healthy += c == null ? 0 : c[0];
            }
            priorityHealth[i] = topology.health(healthy, priorityTotals.get(p));
        }
        double[] priorityLoad = Topology.spill(priorityHealth);
        for (int i = 0; i < priorities.size(); i++) {
            if (priorityLoad[i] == 0) {
                continue;
            }
            int p = priorities.get(i);
            double[] zoneHealth = new double[3];
            for (int t = 0; t < 3; t++) {
                int[] c = counts.get(p * 3 + t);
                zoneHealth[t] = c == null ? 0 : topology.health(c[0], c[1]);
            }
            double[] zoneLoad = Topology.spill(zoneHealth);
            for (int t = 0; t < 3; t++) {
                List<EndpointState> members = eligibleByTier.get(p * 3 + t);
                if (zoneLoad[t] > 0 && members != null) {
                    tables.add(flat(members, now, ramping));
                    shares.add(priorityLoad[i] * zoneLoad[t]);
                }
            }
        }
        if (tables.size() == 1) {
            return tables.get(0);
        }
        double[] s = new double[shares.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = shares.get(i);
        }
        return new TieredRoute(tables.toArray(new RoutingTable[0]), s);
    }

    /**
     * Panic routing: too few endpoints are eligible, so calls also go to those that are out only
     * on their active checks' word (DOWN, but neither ejected nor with an open circuit, nor
     * failing their real calls): a health check that fails everywhere at once is more often
     * wrong than right. Endpoints known to be failing, by outlier ejection, an open circuit or
     * their {@link FailureScore}, are added back only when no other endpoint is left (the last
     * resort), never while a working one remains: their calls would fail. Returns
     * {@code eligible} itself when panic adds nothing.
     */
    private List<EndpointState> panicSet(Collection<EndpointState> all,
            List<EndpointState> eligible) {
        long now = config.ticker().read();
        List<EndpointState> set = new ArrayList<>(all.size());
        for (EndpointState s : all) {
            if (eligible(s) || !knownFailing(s, now)) {
                set.add(s);
            }
        }
        if (set.size() > eligible.size()) {
            return set;
        }
        return eligible.isEmpty() ? new ArrayList<>(all) : eligible;
    }

    /** Ejected, circuit open, or failing its real calls now. Call under the lock. */
    static boolean knownFailing(EndpointState s, long now) {
        return s.rules.ejected() || s.rules.circuitOpen()
                || FailureScore.failing(s.failureScore(now));
    }

    static boolean eligible(EndpointState s) {
        return s.rules.eligible();
    }

    /** One flat table over {@code chosen}, with effective weights and in-flight caps. */
    private RoutingTable flat(List<EndpointState> chosen, long now, boolean[] ramping) {
        int n = chosen.size();
        EndpointState[] picked = new EndpointState[n];
        int[] weights = new int[n];
        int[] caps = null;
        int max = config.maxRequestsPerEndpoint();
        for (int i = 0; i < n; i++) {
            EndpointState s = chosen.get(i);
            picked[i] = s;
            weights[i] = health.effectiveWeight(s, now);
            ramping[0] |= s.rules.ramping();
            int cap = max > 0 ? max : Integer.MAX_VALUE;
            if (s.rules.halfOpen()) {
                cap = Math.min(cap, config.circuitBreaker().trialCalls());
            }
            if (cap != Integer.MAX_VALUE) {
                if (caps == null) {
                    caps = new int[n];
                    Arrays.fill(caps, Integer.MAX_VALUE);
                }
                caps[i] = cap;
            }
        }
        return RoutingTable.of(picked, weights, caps, config.strategy(), config.ticker(),
                "all " + n + " eligible endpoints of " + group + " are at their "
                        + (config.concurrencyLimit() != null ? "concurrency limits"
                                : "in-flight caps"));
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
            if (seenSnapshot) { // before the first snapshot the table stays "not ready"
                rebuildLocked(); // does nothing once closed
            }
        }
        health.deliverEvents();
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
