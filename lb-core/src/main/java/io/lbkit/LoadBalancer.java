package io.lbkit;

import static io.lbkit.internal.Preconditions.checkOnce;
import static io.lbkit.internal.Preconditions.checkRange;
import static io.lbkit.internal.Preconditions.setOnce;
import static java.util.Objects.requireNonNull;

import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthListener;
import io.lbkit.health.OutlierDetection;
import io.lbkit.health.SlowStart;
import io.lbkit.strategy.Strategy;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Picks one endpoint of an {@link EndpointGroup} per call. Thread-safe; {@link #pick()} is
 * lock-free and allocates nothing.
 *
 * <p>The balancer follows its group: each snapshot becomes an immutable routing table, published
 * with one volatile write, that picks read. Per-endpoint state (calls in flight, latency,
 * success and failure counts) is kept by {@linkplain Endpoint#address() address}, so it survives
 * updates that keep the address.
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(Endpoint.of("10.0.0.1", 8080),
 *                                                         Endpoint.of("10.0.0.2", 8080)))
 *         .strategy(Strategy.leastRequest())
 *         .build();
 * Pick pick = lb.pick();
 * long start = System.nanoTime();
 * try {
 *     call(pick.endpoint());
 *     pick.onSuccess(System.nanoTime() - start);
 * } catch (IOException e) {
 *     pick.onFailure(System.nanoTime() - start);
 * }
 * }</pre>
 */
/*
 * Why one file of over 400 lines: the interface is about 190 lines of contract (what a pick, a
 * report, stats, panic and locality promise); the rest is LoadBalancer.Builder, whose name is API
 * and whose sixteen options each carry their default, range and reason in javadoc. The builder
 * only validates and copies into BalancerConfig; the engine is DefaultLoadBalancer.
 */
public interface LoadBalancer extends AutoCloseable {

    /** A builder for a balancer over the given group. */
    static Builder builder(EndpointGroup group) {
        return new Builder(group);
    }

    /** A balancer over the given group with the default strategy, {@link Strategy#leastRequest()}. */
    static LoadBalancer of(EndpointGroup group) {
        return builder(group).build();
    }

    /**
     * Chooses an endpoint for one call and counts the call as in flight on it. Report the outcome
     * on the returned {@link Pick} exactly once.
     *
     * <p>Hash strategies pick with a random key here; use {@link #pick(long)},
     * {@link #pick(CharSequence)} or {@link #pick(byte[])} for stickiness.
     *
     * @throws NoEndpointAvailableException at once, when no endpoint can take the call
     */
    Pick pick();

    /**
     * Chooses an endpoint for a call with the given key. Hash strategies map equal keys to the
     * same endpoint while the routing table stays the same; other strategies ignore the key.
     *
     * <p>The key is mixed (xxHash64, seed 0, of its 8 little-endian bytes) before the strategy
     * sees it, so sequential ids spread over the ring; the result equals {@link #pick(byte[])}
     * of those 8 bytes. Allocates nothing.
     *
     * @throws NoEndpointAvailableException at once, when no endpoint can take the call
     */
    Pick pick(long key);

    /**
     * {@link #pick(long)} with a text key, hashed (xxHash64, seed 0) over its UTF-16 code units
     * in little-endian order, read one {@code char} at a time: the text is not copied or encoded,
     * and a {@code String} key allocates nothing. The result equals {@link #pick(byte[])} of
     * {@code key.toString().getBytes(UTF_16LE)}; equal strings map to the same endpoint whatever
     * the CharSequence class.
     *
     * @param key not null; not retained
     * @throws NoEndpointAvailableException at once, when no endpoint can take the call
     */
    Pick pick(CharSequence key);

    /**
     * {@link #pick(long)} with a binary key, hashed with xxHash64 (seed 0) over all its bytes in
     * place. Allocates nothing.
     *
     * @param key not null; not retained or modified
     * @throws NoEndpointAvailableException at once, when no endpoint can take the call
     */
    Pick pick(byte[] key);

    /** The state of every endpoint of the current snapshot, in the group's order. */
    List<EndpointStats> stats();

    /**
     * The cumulative counts of every call reported through this balancer's picks since it was
     * built, by outcome, with their total latency: a live view, including calls to endpoints
     * that have since left the group (see {@link CallCounters} for how that is exact). Kept
     * whether read or not, at no cost to a pick; what metrics binders read at collection time.
     * A {@link TrafficSplit} sums its routes'.
     */
    CallCounters counters();

    /**
     * The cumulative call counts of the endpoint with this {@linkplain Endpoint#address()
     * address} in the current snapshot, since it joined: a live view, empty when the snapshot
     * has no such endpoint. An endpoint that leaves and joins again starts from 0 with a new
     * view. A {@link TrafficSplit} sums the routes that have the endpoint now (a new view per
     * call, equal to the last one while the same routes have the endpoint).
     *
     * @param endpoint not null; only its address is compared
     */
    Optional<CallCounters> counters(Endpoint endpoint);

    /**
     * Whether the balancer is in panic: fewer endpoints are healthy than the panic threshold, so
     * calls also go to endpoints that are out only on their active checks' word (see
     * {@link Builder#panicThreshold}). Not in panic when every endpoint left out is known to be
     * failing its real calls while a healthy one remains.
     */
    boolean inPanic();

    /**
     * Registers an observer of this balancer's calls, refused picks, health events and endpoint
     * snapshots, for metrics (lb-micrometer and lb-opentelemetry bind through this). Safe to call
     * from any thread, at any time; the observer sees what happens after this returns, nothing
     * from before. Observers are told of reports, never of successful picks: with none
     * registered, or none whose class overrides {@link LoadBalancerObserver#onCall}, a report
     * costs one volatile read more, and an observer that allocates nothing keeps the call path
     * allocation-free. Metrics that need no per-call work read {@link #counters()} instead. A {@link TrafficSplit} registers the observer with
     * each of its routes.
     *
     * @param observer not null; see {@link LoadBalancerObserver} for its threading contract
     * @return a handle whose {@code close()} removes the observer
     */
    EndpointGroup.Subscription observe(LoadBalancerObserver observer);

    /**
     * Changes the caller's zone and region at run time, as if the balancer had been built with
     * {@link Builder#localZone} and {@link Builder#localRegion}: for a client that moves, or
     * whose zone is learnt after start-up. The new routing table is published with one volatile
     * write; picks never wait for it, a pick under way finishes on the table it read, and every
     * pick that starts after this returns follows the new locality. Per-endpoint state (calls in
     * flight, latency, ejections, circuits, slow start) is kept: a {@link Pick} taken before the
     * change is reported as usual. Setting the current values again changes nothing. Safe to
     * call from any thread; concurrent calls take effect one after the other, the last wins.
     *
     * <p>On a closed balancer the arguments are checked and the values recorded (the getters
     * return them), but nothing else happens and nothing is thrown, so a configuration watcher
     * racing with shutdown needs no guard. A {@link TrafficSplit} passes the change to each of
     * its routes in turn.
     *
     * @param zone the local zone, or null to turn zone awareness off
     * @param region the local region, preferred after the local zone, or null for no region
     *     tier; has no effect while {@code zone} is null
     * @throws IllegalArgumentException if {@code zone} or {@code region} is blank (the message
     *     names {@code localZone} or {@code localRegion}); nothing changes then
     */
    void locality(String zone, String region);

    /**
     * The local zone set on the builder or by the last {@link #locality}; empty when zone
     * awareness is off. Read together with {@link #localRegion()}, the two may straddle a
     * concurrent {@link #locality} call.
     *
     * @throws IllegalStateException for a {@link TrafficSplit} whose routes have different
     *     local zones
     */
    Optional<String> localZone();

    /**
     * The local region set on the builder or by the last {@link #locality}; empty when there is
     * none.
     *
     * @throws IllegalStateException for a {@link TrafficSplit} whose routes have different
     *     local regions
     */
    Optional<String> localRegion();

    /**
     * Stops following the group and stops health timers; later picks fail with
     * {@link NoEndpointAvailableException.Reason#CLOSED}. Does not close the group. Idempotent.
     */
    @Override
    void close();

    /**
     * Builds a {@link LoadBalancer}. Not thread-safe. Each option may be set once; a second call
     * throws {@link IllegalStateException} naming the earlier value. Values are checked when set.
     */
    final class Builder {
        /** 50%: Envoy's default healthy panic threshold. */
        static final int DEFAULT_PANIC_PERCENT = 50;

        private final EndpointGroup group;
        private Strategy strategy;
        private Ticker ticker;
        private ScheduledExecutorService scheduler;
        private OutlierDetection outlierDetection;
        private CircuitBreaker circuitBreaker;
        private HealthCheck healthCheck;
        private SlowStart slowStart;
        private Integer panicThreshold;
        private Integer maxRequestsPerEndpoint;
        private HealthListener healthListener;
        private String localZone;
        private String localRegion;
        private Integer overprovisioningFactor;
        private Integer zoneMinClusterSize;
        private Boolean strictPicks;
        private ConcurrencyLimit concurrencyLimit;

        private Builder(EndpointGroup group) {
            this.group = requireNonNull(group, "group");
        }

        /** The strategy; default {@link Strategy#leastRequest()}. */
        public Builder strategy(Strategy strategy) {
            this.strategy = setOnce("strategy", this.strategy, strategy);
            return this;
        }

        /** The time source of every time-based rule; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = setOnce("ticker", this.ticker, ticker);
            return this;
        }

        /**
         * Where health timers and probes run; default one shared daemon thread
         * ({@code lbkit-scheduler}). The balancer only calls
         * {@code schedule(Runnable, long, TimeUnit)}; it never shuts the scheduler down.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = setOnce("scheduler", this.scheduler, scheduler);
            return this;
        }

        /**
         * Passive outlier detection; default {@link OutlierDetection#ofDefaults()} (5 consecutive
         * failures, success-rate detection, 30 s base ejection). Turn it off with
         * {@link OutlierDetection#disabled()}.
         */
        public Builder outlierDetection(OutlierDetection outlierDetection) {
            this.outlierDetection =
                    setOnce("outlierDetection", this.outlierDetection, outlierDetection);
            return this;
        }

        /** A circuit breaker per endpoint; default none. */
        public Builder circuitBreaker(CircuitBreaker circuitBreaker) {
            this.circuitBreaker =
                    setOnce("circuitBreaker", this.circuitBreaker, circuitBreaker);
            return this;
        }

        /** Active health checks; default none. */
        public Builder healthCheck(HealthCheck healthCheck) {
            this.healthCheck = setOnce("healthCheck", this.healthCheck, healthCheck);
            return this;
        }

        /** Slow start for joining and recovering endpoints; default none (full weight at once). */
        public Builder slowStart(SlowStart slowStart) {
            this.slowStart = setOnce("slowStart", this.slowStart, slowStart);
            return this;
        }

        /**
         * The panic threshold in percent, 0..100; default 50 (Envoy's). When fewer than this
         * share of the endpoints are healthy, calls also go to the endpoints that are DOWN on
         * their active health checks alone (a check failing everywhere at once is more often
         * wrong than right) rather than crushing the few healthy ones. Endpoints known to be
         * failing their real calls (ejected, circuit open, or failing now) are added back only
         * when no healthy endpoint remains, never while one does (docs/failure-model.md). 0
         * turns panic routing off: with no healthy endpoint, picks then fail with
         * {@link NoEndpointAvailableException.Reason#NONE_ELIGIBLE}.
         */
        public Builder panicThreshold(int percent) {
            checkOnce("panicThreshold", this.panicThreshold);
            this.panicThreshold = checkPercent("panicThreshold", percent, 0, 100);
            return this;
        }

        /**
         * The overload guard: at most this many calls in flight per endpoint, 1..1,000,000;
         * default unlimited (Envoy's {@code max_requests}, per endpoint). An endpoint at its cap
         * is skipped; when every eligible endpoint is at its cap, picks fail with
         * {@link NoEndpointAvailableException.Reason#AT_CAPACITY}. The check precedes the
         * increment without a lock, so racing picks may overshoot the cap by the number of
         * threads racing. Excludes {@link #concurrencyLimit}, which learns the cap instead.
         *
         * @throws IllegalStateException if set before, or if {@link #concurrencyLimit} was set
         */
        public Builder maxRequestsPerEndpoint(int max) {
            checkOnce("maxRequestsPerEndpoint", this.maxRequestsPerEndpoint);
            if (concurrencyLimit != null) {
                throw exclusive("maxRequestsPerEndpoint", "concurrencyLimit", concurrencyLimit);
            }
            this.maxRequestsPerEndpoint = checkRange("maxRequestsPerEndpoint", max, 1, 1_000_000);
            return this;
        }

        /**
         * An adaptive concurrency limit per endpoint, learnt from the latencies reported on its
         * picks, instead of the fixed {@link #maxRequestsPerEndpoint} cap; default none. Each
         * endpoint gets its own {@link ConcurrencyLimit.Limiter}, kept across routing-table
         * rebuilds with the endpoint's other state; {@link Pick#onSuccess} feeds it a latency
         * sample and {@link Pick#onFailure} a failure (counted as a drop when slow, see
         * {@link ConcurrencyLimit.Limiter#onFailure}). An endpoint whose calls in flight have
         * reached its current limit is skipped, by every strategy, as one at a fixed cap is; when
         * every eligible endpoint is at its limit, picks fail at once with
         * {@link NoEndpointAvailableException.Reason#AT_CAPACITY}. The check precedes the
         * increment without a lock, so racing picks may overshoot a limit by the number of
         * threads racing. The current limits are in {@link EndpointStats#concurrencyLimit()}.
         * See docs/limits.md for the parameters and how the limit works with outlier
         * detection, circuits and panic.
         *
         * @param limit e.g. {@link ConcurrencyLimit#gradient()}
         * @throws IllegalStateException if set before, or if {@link #maxRequestsPerEndpoint} was
         *     set: the limit replaces the fixed cap (bound it with
         *     {@link ConcurrencyLimit.GradientBuilder#limitBounds} instead)
         */
        public Builder concurrencyLimit(ConcurrencyLimit limit) {
            requireNonNull(limit, "concurrencyLimit");
            checkOnce("concurrencyLimit", this.concurrencyLimit);
            if (maxRequestsPerEndpoint != null) {
                throw exclusive("concurrencyLimit", "maxRequestsPerEndpoint",
                        maxRequestsPerEndpoint);
            }
            this.concurrencyLimit = limit;
            return this;
        }

        /** The two ways of capping an endpoint's calls in flight exclude each other. */
        private static IllegalStateException exclusive(String option, String other,
                Object earlier) {
            return new IllegalStateException(option + " excludes " + other
                    + ", which was set to " + earlier + ": the adaptive limit replaces the fixed"
                    + " cap; bound the limit with ConcurrencyLimit.gradientBuilder()"
                    + ".limitBounds(min, max) instead");
        }

        /** Receives health events (ejections, circuit changes, UP/DOWN, panic); default none. */
        public Builder healthListener(HealthListener listener) {
            this.healthListener = setOnce("healthListener", this.healthListener, listener);
            return this;
        }

        /**
         * The caller's zone: calls stay on endpoints of this zone while it is healthy enough, and
         * spill to the local region, then the rest, in proportion to what the zone lacks (see
         * {@link #overprovisioningFactor}). Default none: zones are ignored. Changeable at run
         * time with {@link LoadBalancer#locality}.
         */
        public Builder localZone(String zone) {
            requireNonNull(zone, "zone");
            checkOnce("localZone", this.localZone);
            this.localZone = Topology.checkName("localZone", zone);
            return this;
        }

        /**
         * The caller's region, preferred after the local zone; default none. Has no effect
         * without a {@link #localZone}. Changeable at run time with {@link LoadBalancer#locality}.
         */
        public Builder localRegion(String region) {
            requireNonNull(region, "region");
            checkOnce("localRegion", this.localRegion);
            this.localRegion = Topology.checkName("localRegion", region);
            return this;
        }

        /**
         * The overprovisioning factor in percent, 100..1,000; default 140 (Envoy's). A priority
         * level or zone keeps all its traffic while {@code healthy share × factor ≥ 1}: with 140,
         * until fewer than 71.4% of its endpoints are healthy; below that, the shortfall spills
         * to the next priority level or zone tier.
         */
        public Builder overprovisioningFactor(int percent) {
            checkOnce("overprovisioningFactor", this.overprovisioningFactor);
            this.overprovisioningFactor = checkPercent("overprovisioningFactor", percent, 100,
                    1_000);
            return this;
        }

        /**
         * Below this many endpoints in a priority level, zone awareness is off for it: too few
         * endpoints per zone make local routing fragile. 1..10,000; default 6 (Envoy's).
         */
        public Builder zoneMinClusterSize(int size) {
            checkOnce("zoneMinClusterSize", this.zoneMinClusterSize);
            this.zoneMinClusterSize = checkRange("zoneMinClusterSize", size, 1, 10_000);
            return this;
        }

        /** As {@link io.lbkit.internal.Preconditions#checkRange}, with the unit in the message. */
        private static int checkPercent(String field, int percent, int min, int max) {
            if (percent < min || percent > max) {
                throw new IllegalArgumentException(
                        field + " must be in " + min + ".." + max + " percent, was " + percent);
            }
            return percent;
        }

        /**
         * Whether to check that every {@link Pick} is reported exactly once; default
         * {@code false}. When on, each pick returns a handle of its own: a second report throws
         * {@link IllegalStateException}, and a pick dropped without a report is found when the
         * garbage collector reclaims its handle (seconds or minutes later, or never if no
         * collection runs), which then frees its in-flight slot. Both are counted in
         * {@link EndpointStats#pickMisuses()} and logged (the first at WARNING). It costs a
         * small allocation and a {@link java.lang.ref.Cleaner} registration per pick: use it in
         * tests, staging, or while hunting a leak, not on a hot production path.
         */
        public Builder strictPicks(boolean strict) {
            checkOnce("strictPicks", this.strictPicks);
            this.strictPicks = strict;
            return this;
        }

        /**
         * Builds the balancer and subscribes it to the group; if the group is ready, the first
         * routing table is built before this returns.
         */
        public LoadBalancer build() {
            return new DefaultLoadBalancer(group, new BalancerConfig(
                    strategy != null ? strategy : Strategy.leastRequest(),
                    ticker != null ? ticker : Ticker.system(),
                    scheduler != null ? scheduler : DefaultScheduler.get(),
                    outlierDetection != null ? outlierDetection : OutlierDetection.ofDefaults(),
                    circuitBreaker, healthCheck, slowStart,
                    panicThreshold != null ? panicThreshold : DEFAULT_PANIC_PERCENT,
                    maxRequestsPerEndpoint != null ? maxRequestsPerEndpoint : 0,
                    healthListener,
                    new Topology(localZone, localRegion,
                            overprovisioningFactor != null ? overprovisioningFactor
                                    : Topology.DEFAULT_OVERPROVISIONING_PERCENT,
                            zoneMinClusterSize != null ? zoneMinClusterSize
                                    : Topology.DEFAULT_ZONE_MIN_CLUSTER_SIZE),
                    strictPicks != null && strictPicks, concurrencyLimit));
        }
    }
}
