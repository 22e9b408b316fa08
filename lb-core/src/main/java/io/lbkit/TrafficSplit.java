package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.internal.XxHash64;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A load balancer over weighted sub-balancers: 95% of calls to {@code stable}, 5% to
 * {@code canary}; or blue/green, switched at run time with {@link #weights(Map)} without
 * dropping a call. Thread-safe; picks are lock-free and allocate nothing.
 *
 * <pre>{@code
 * TrafficSplit split = TrafficSplit.builder()
 *         .route("stable", stable, 95)
 *         .route("canary", canary, 5)
 *         .build();
 * Pick p = split.pick(userId);          // one user stays on one side while weights hold
 * split.weights(Map.of("stable", 0, "canary", 100));   // promote
 * Pick q = split.route("canary").pick(); // layer-7 routing: a request attribute names the side
 * }</pre>
 *
 * <p>{@link #pick()} draws the side at random by weight; {@link #pick(long)} draws it from the
 * key's hash, so equal keys land on the same side as long as the weights stay the same (and move
 * as little as possible when they change: a key moves only if its hash falls in the band that
 * changed hands). Closing the split closes its routes.
 *
 * <p>When the drawn route has no eligible endpoint (it is empty, all its endpoints are ejected or
 * down, or all are at their request cap), {@code pick()} and the keyed picks go to the next route
 * in order with a positive weight that has one, so a canary that lost its endpoints does not fail
 * its share of calls; only when no route can take the call do they throw, with the drawn route's
 * {@link NoEndpointAvailableException} (each route's reason is in its own exception and stats).
 * Falling back throws and catches nothing, so a fallback pick costs about what a direct one does.
 * A pick from {@link #route(String)} stays on that route.
 */
/*
 * Why one file of over 400 lines: one balancer, the split, implementing every method of
 * LoadBalancer over its routes (picks with fallback, stats, counters, panic, locality, each a few
 * lines that read the same immutable Table), plus its public nested Builder, whose name is API.
 * The counters' sums live in SummingCounters.
 */
public final class TrafficSplit implements LoadBalancer {

    /* The routes and thresholds are published together in one immutable Table (one volatile
     * write per weight change); a pick reads it once. */
    private static final class Table {
        final String[] names;
        final LoadBalancer[] routes;
        final int[] weights;
        final long[] thresholds; // cumulative, over [0, 2^32)

        Table(String[] names, LoadBalancer[] routes, int[] weights) {
            this.names = names;
            this.routes = routes;
            this.weights = weights;
            this.thresholds = new long[weights.length];
            long total = 0;
            for (int w : weights) {
                total += w;
            }
            long cumulative = 0;
            for (int i = 0; i < weights.length; i++) {
                cumulative += weights[i];
                thresholds[i] = cumulative * (1L << 32) / total;
            }
        }

        int side(long draw32) {
            int i = 0;
            while (draw32 >= thresholds[i]) {
                i++;
            }
            return i;
        }

    }

    /**
     * The seed of the side draw's xxHash64: not the balancers' seed 0, so that the side a key
     * takes says nothing about where its side's hash strategy puts it.
     */
    private static final long SIDE_SEED = 0x5B11_7000_0000_0001L;

    private volatile Table table;

    private TrafficSplit(Table table) {
        this.table = table;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Pick pick() {
        Table t = table;
        int i = t.side(ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL);
        Pick p = tryRoutes(t, i, NO_KEY, 0, null, null, 0);
        return p != null ? p : t.routes[i].pick(); // throws the drawn route's exception
    }

    @Override
    public Pick pick(long key) {
        Table t = table;
        int i = t.side(XxHash64.hashLong(key, SIDE_SEED) >>> 32);
        Pick p = tryRoutes(t, i, LONG_KEY, key, null, null, XxHash64.hashLong(key, 0));
        return p != null ? p : t.routes[i].pick(key);
    }

    /** As {@link #pick(long)}; the key is hashed twice (once for the side, once by it). */
    @Override
    public Pick pick(CharSequence key) {
        Table t = table;
        int i = t.side(XxHash64.hashChars(requireNonNull(key, "key"), SIDE_SEED) >>> 32);
        Pick p = tryRoutes(t, i, TEXT_KEY, 0, key, null, XxHash64.hashChars(key, 0));
        return p != null ? p : t.routes[i].pick(key);
    }

    /** As {@link #pick(long)}; the key is hashed twice (once for the side, once by it). */
    @Override
    public Pick pick(byte[] key) {
        Table t = table;
        int i = t.side(XxHash64.hash(requireNonNull(key, "key"), SIDE_SEED) >>> 32);
        Pick p = tryRoutes(t, i, BYTES_KEY, 0, null, key, XxHash64.hash(key, 0));
        return p != null ? p : t.routes[i].pick(key);
    }

    /* The forms of a pick, so one allocation-free path serves all four (no capturing lambda). */
    private static final int NO_KEY = 0;
    private static final int LONG_KEY = 1;
    private static final int TEXT_KEY = 2;
    private static final int BYTES_KEY = 3;

    /**
     * The pick of route {@code drawn}, else of the first route after it (in route order,
     * wrapping) with a positive weight that has an eligible endpoint; null if none has. Throws
     * nothing for lbkit's own balancers, so falling back costs no exception.
     *
     * @param hash0 the key's xxHash64 with seed 0, as a balancer's keyed pick computes it
     */
    private static Pick tryRoutes(Table t, int drawn, int form, long longKey, CharSequence text,
            byte[] bytes, long hash0) {
        Pick p = tryRoute(t.routes[drawn], form, longKey, text, bytes, hash0);
        for (int k = 1; p == null && k < t.routes.length; k++) {
            int i = (drawn + k) % t.routes.length;
            if (t.weights[i] != 0) {
                p = tryRoute(t.routes[i], form, longKey, text, bytes, hash0);
            }
        }
        return p;
    }

    private static Pick tryRoute(LoadBalancer lb, int form, long longKey, CharSequence text,
            byte[] bytes, long hash0) {
        if (lb instanceof DefaultLoadBalancer) {
            DefaultLoadBalancer d = (DefaultLoadBalancer) lb;
            return form == NO_KEY ? d.tryPick() : d.tryPickHashed(hash0);
        }
        if (lb instanceof TrafficSplit) {
            TrafficSplit split = (TrafficSplit) lb;
            Table t = split.table;
            long draw;
            switch (form) {
                case NO_KEY -> draw = ThreadLocalRandom.current().nextInt() & 0xFFFF_FFFFL;
                case LONG_KEY -> draw = XxHash64.hashLong(longKey, SIDE_SEED) >>> 32;
                case TEXT_KEY -> draw = XxHash64.hashChars(text, SIDE_SEED) >>> 32;
                default -> draw = XxHash64.hash(bytes, SIDE_SEED) >>> 32;
            }
            return tryRoutes(t, t.side(draw), form, longKey, text, bytes, hash0);
        }
        try { // another implementation: its exception is the only answer it has
            return switch (form) {
                case NO_KEY -> lb.pick();
                case LONG_KEY -> lb.pick(longKey);
                case TEXT_KEY -> lb.pick(text);
                default -> lb.pick(bytes);
            };
        } catch (NoEndpointAvailableException e) {
            return null;
        }
    }

    /** The sub-balancer of the named route. */
    public LoadBalancer route(String name) {
        requireNonNull(name, "name");
        Table t = table;
        for (int i = 0; i < t.names.length; i++) {
            if (t.names[i].equals(name)) {
                return t.routes[i];
            }
        }
        throw new IllegalArgumentException("no route named " + name + "; routes are "
                + List.of(t.names));
    }

    /** The current weights by route name, in the order the routes were added. */
    public Map<String, Integer> weights() {
        Table t = table;
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int i = 0; i < t.names.length; i++) {
            out.put(t.names[i], t.weights[i]);
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * Changes the weights at run time; picks already under way finish on their side.
     *
     * @param weights a weight, 0..1,000,000, for every route; at least one positive
     * @throws IllegalArgumentException if a route is missing or unknown or a weight is out of range
     */
    public synchronized void weights(Map<String, Integer> weights) {
        requireNonNull(weights, "weights");
        Table t = table;
        if (!weights.keySet().equals(new java.util.HashSet<>(List.of(t.names)))) {
            throw new IllegalArgumentException("weights must name exactly the routes "
                    + List.of(t.names) + ", got " + weights.keySet());
        }
        int[] w = new int[t.names.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = checkWeight(t.names[i], weights.get(t.names[i]));
        }
        checkPositive(w);
        table = new Table(t.names, t.routes, w);
    }

    @Override
    public List<EndpointStats> stats() {
        List<EndpointStats> out = new ArrayList<>();
        for (LoadBalancer lb : table.routes) {
            out.addAll(lb.stats());
        }
        return List.copyOf(out);
    }

    /**
     * Registers the observer with every route, in route order; the handle removes it from all.
     * Each route reports its own calls, refusals, events and snapshots: a route that refuses a
     * pick the split then sends to another route reports the refusal.
     */
    @Override
    public EndpointGroup.Subscription observe(LoadBalancerObserver observer) {
        requireNonNull(observer, "observer");
        List<EndpointGroup.Subscription> subs = new ArrayList<>();
        for (LoadBalancer lb : table.routes) {
            subs.add(lb.observe(observer));
        }
        return () -> subs.forEach(EndpointGroup.Subscription::close);
    }

    /** The sum of the routes' counters. */
    @Override
    public CallCounters counters() {
        Table t = table;
        CallCounters[] all = new CallCounters[t.routes.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = t.routes[i].counters();
        }
        return SummingCounters.of(all);
    }

    /** The sum of the counters of the routes that have the endpoint now. */
    @Override
    public Optional<CallCounters> counters(Endpoint endpoint) {
        requireNonNull(endpoint, "endpoint");
        List<CallCounters> found = new ArrayList<>();
        for (LoadBalancer lb : table.routes) {
            lb.counters(endpoint).ifPresent(found::add);
        }
        return found.isEmpty() ? Optional.empty()
                : Optional.of(SummingCounters.of(found.toArray(new CallCounters[0])));
    }

    /** Whether any route is in panic. */
    @Override
    public boolean inPanic() {
        for (LoadBalancer lb : table.routes) {
            if (lb.inPanic()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sets the locality of every route, in the order the routes were added; see
     * {@link LoadBalancer#locality}. The change is not atomic across routes: while it is under
     * way, one route may already follow the new locality and another the old. Calls on the
     * split are serialised with each other (and with {@link #weights(Map)}), so the routes end
     * up agreeing.
     */
    @Override
    public synchronized void locality(String zone, String region) {
        Topology.checkName("localZone", zone); // before any route changes
        Topology.checkName("localRegion", region);
        for (LoadBalancer lb : table.routes) {
            lb.locality(zone, region);
        }
    }

    /**
     * The local zone of the routes.
     *
     * @throws IllegalStateException if the routes have different local zones
     */
    @Override
    public Optional<String> localZone() {
        return agreed("localZone", LoadBalancer::localZone);
    }

    /**
     * The local region of the routes.
     *
     * @throws IllegalStateException if the routes have different local regions
     */
    @Override
    public Optional<String> localRegion() {
        return agreed("localRegion", LoadBalancer::localRegion);
    }

    private Optional<String> agreed(String field,
            java.util.function.Function<LoadBalancer, Optional<String>> getter) {
        Table t = table;
        Optional<String> first = getter.apply(t.routes[0]);
        for (int i = 1; i < t.routes.length; i++) {
            if (!Objects.equals(first, getter.apply(t.routes[i]))) {
                Map<String, String> each = new LinkedHashMap<>();
                for (int j = 0; j < t.routes.length; j++) {
                    each.put(t.names[j], getter.apply(t.routes[j]).orElse("none"));
                }
                throw new IllegalStateException("the routes have different " + field + "s "
                        + each + "; set one for all with locality(zone, region)");
            }
        }
        return first;
    }

    @Override
    public void close() {
        for (LoadBalancer lb : table.routes) {
            lb.close();
        }
    }

    @Override
    public String toString() {
        return "TrafficSplit" + weights();
    }

    private static int checkWeight(String name, Integer weight) {
        requireNonNull(weight, "weight of " + name);
        if (weight < 0 || weight > 1_000_000) {
            throw new IllegalArgumentException(
                    "weight of route " + name + " must be in 0..1000000, was " + weight);
        }
        return weight;
    }

    private static void checkPositive(int[] weights) {
        for (int w : weights) {
            if (w > 0) {
                return;
            }
        }
        throw new IllegalArgumentException("at least one route weight must be positive");
    }


    /** Builds a {@link TrafficSplit}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, LoadBalancer> routes = new LinkedHashMap<>();
        private final Map<String, Integer> weights = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Adds a route.
         *
         * @param name unique, not blank
         * @param weight 0..1,000,000
         * @throws IllegalStateException if the name was already added
         */
        public Builder route(String name, LoadBalancer balancer, int weight) {
            requireNonNull(name, "name");
            requireNonNull(balancer, "balancer");
            if (name.isBlank()) {
                throw new IllegalArgumentException("route name must not be blank");
            }
            if (routes.containsKey(name)) {
                throw new IllegalStateException("route " + name + " was already added");
            }
            weights.put(name, checkWeight(name, weight));
            routes.put(name, balancer);
            return this;
        }

        /**
         * @throws IllegalStateException if no route was added
         * @throws IllegalArgumentException if every weight is 0
         */
        public TrafficSplit build() {
            if (routes.isEmpty()) {
                throw new IllegalStateException("a traffic split needs at least one route");
            }
            int[] w = weights.values().stream().mapToInt(Integer::intValue).toArray();
            checkPositive(w);
            return new TrafficSplit(new Table(routes.keySet().toArray(new String[0]),
                    routes.values().toArray(new LoadBalancer[0]), w));
        }
    }
}
