package io.lbkit;

import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * The routing table a balancer is about to publish, in two steps: {@link #plan} decides, under
 * the balancer's lock, which endpoints take traffic and with what weights, caps and tier shares
 * (O(n), cheap); {@link #build} then asks the strategy for the pickers, which for hash
 * strategies costs milliseconds, outside the lock. Not thread-safe: a plan is made and built by
 * one thread; the route it builds is immutable.
 *
 * <p>The plan applies the routing rules: the eligible endpoints (up, not ejected, circuit not
 * open) split into tiers by priority and, within a priority, by zone, each tier's share following
 * {@link Topology#spill}; or, below the panic threshold, one flat table over the panic set.
 */
final class TablePlan {

    /** The balancer's change count this plan reflects; a newer plan supersedes it. */
    final long version;
    /** Whether the table routes in panic. */
    final boolean panic;
    /** Eligible and total endpoints, for the panic event. */
    final int eligible;
    final int total;
    /** Whether an endpoint of the table is ramping up (slow start): then plan again soon. */
    final boolean ramping;
    /** Non-null when the route has no candidates: it is this empty table, built already. */
    private final Route empty;
    /** The flat tables to build, and each one's share of traffic. */
    private final List<Tier> tiers;
    private final double[] shares;
    private final Strategy strategy;
    private final Ticker ticker;

    /** One flat table to build: its candidates, their effective weights and in-flight caps. */
    private record Tier(EndpointState[] states, int[] weights, int[] caps, String capacityMessage) {}

    private TablePlan(long version, boolean panic, int eligible, int total, boolean ramping,
            Route empty, List<Tier> tiers, double[] shares, BalancerConfig config) {
        this.version = version;
        this.panic = panic;
        this.eligible = eligible;
        this.total = total;
        this.ramping = ramping;
        this.empty = empty;
        this.tiers = tiers;
        this.shares = shares;
        this.strategy = config.strategy();
        this.ticker = config.ticker();
    }

    /**
     * Plans the table for the endpoints {@code all}, in the group's order. Call under the
     * balancer's lock: it reads the health rules' state, and ends slow-start ramps that are
     * complete.
     *
     * @param group names the group in the messages of the exceptions a pick may throw
     */
    static TablePlan plan(long version, Collection<EndpointState> all, BalancerConfig config,
            Topology topology, HealthController health, Object group) {
        if (all.isEmpty()) {
            return empty(version, false, 0, 0, config,
                    RoutingTable.empty(NoEndpointAvailableException.Reason.EMPTY,
                            group + " has no endpoints"));
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
            chosen = panicSet(all, eligible, config.ticker().read());
        }
        boolean panic = chosen != eligible;
        if (chosen.isEmpty()) {
            return empty(version, panic, eligible.size(), all.size(), config,
                    RoutingTable.empty(NoEndpointAvailableException.Reason.NONE_ELIGIBLE,
                            "none of the " + all.size() + " endpoints of " + group
                                    + " is eligible (down, ejected or circuit open) and panic"
                                    + " routing is off"));
        }
        Planner p = new Planner(config, health, group, config.ticker().read());
        if (panic) {
            p.add(chosen, 1.0);
        } else {
            p.tiered(all, topology);
        }
        double[] shares = new double[p.shares.size()];
        for (int i = 0; i < shares.length; i++) {
            shares[i] = p.shares.get(i);
        }
        return new TablePlan(version, panic, eligible.size(), all.size(), p.ramping, null,
                p.tiers, shares, config);
    }

    private static TablePlan empty(long version, boolean panic, int eligible, int total,
            BalancerConfig config, Route table) {
        return new TablePlan(version, panic, eligible, total, false, table, List.of(),
                new double[0], config);
    }

    /**
     * Builds the planned route: one picker per tier, from the strategy. Needs no lock; the
     * balancer builds one plan at a time, so the strategy's {@code newPicker} is called by one
     * thread at a time.
     */
    Route build() {
        if (empty != null) {
            return empty;
        }
        RoutingTable[] tables = new RoutingTable[tiers.size()];
        for (int i = 0; i < tables.length; i++) {
            Tier t = tiers.get(i);
            tables[i] = RoutingTable.of(t.states, t.weights, t.caps, strategy, ticker,
                    t.capacityMessage);
        }
        return tables.length == 1 ? tables[0] : new TieredRoute(tables, shares);
    }

    /** Whether the endpoint may take traffic outside panic. Call under the lock. */
    static boolean eligible(EndpointState s) {
        return s.rules.eligible();
    }

    /** Ejected, circuit open, or failing its real calls now. Call under the lock. */
    static boolean knownFailing(EndpointState s, long now) {
        return s.rules.ejected() || s.rules.circuitOpen()
                || FailureScore.failing(s.failureScore(now));
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
    private static List<EndpointState> panicSet(Collection<EndpointState> all,
            List<EndpointState> eligible, long now) {
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

    /** Collects the tiers of one plan. */
    private static final class Planner {
        final BalancerConfig config;
        final HealthController health;
        final Object group;
        final long now;
        final List<Tier> tiers = new ArrayList<>();
        final List<Double> shares = new ArrayList<>();
        boolean ramping;

        Planner(BalancerConfig config, HealthController health, Object group, long now) {
            this.config = config;
            this.health = health;
            this.group = group;
            this.now = now;
        }

        /**
         * The tiers when not in panic: eligible endpoints split by priority and, within a
         * priority, by zone (local zone, local region, the rest); each tier's share follows
         * {@link Topology#spill}.
         */
        void tiered(Collection<EndpointState> all, Topology topology) {
            // Tiers keyed by priority * 3 + zone tier, in that order.
            TreeMap<Integer, List<EndpointState>> eligibleByTier = new TreeMap<>();
            TreeMap<Integer, int[]> counts = new TreeMap<>(); // {healthy, total}
            TreeMap<Integer, Integer> priorityTotals = new TreeMap<>();
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
                        add(members, priorityLoad[i] * zoneLoad[t]);
                    }
                }
            }
        }

        /** One flat tier over {@code chosen}, with effective weights and in-flight caps. */
        void add(List<EndpointState> chosen, double share) {
            int n = chosen.size();
            EndpointState[] picked = new EndpointState[n];
            int[] weights = new int[n];
            int[] caps = null;
            int max = config.maxRequestsPerEndpoint();
            for (int i = 0; i < n; i++) {
                EndpointState s = chosen.get(i);
                picked[i] = s;
                weights[i] = health.effectiveWeight(s, now);
                ramping |= s.rules.ramping();
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
            tiers.add(new Tier(picked, weights, caps,
                    "all " + n + " eligible endpoints of " + group + " are at their "
                            + (config.concurrencyLimit() != null ? "concurrency limits"
                                    : "in-flight caps")));
            shares.add(share);
        }
    }
}
