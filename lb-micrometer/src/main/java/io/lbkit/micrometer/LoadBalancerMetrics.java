package io.lbkit.micrometer;

import static java.util.Objects.requireNonNull;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.LoadBalancerObserver;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.HealthStatus;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Micrometer meters of one {@link LoadBalancer}: calls by outcome and their latency, calls in
 * flight, refused picks, endpoints by health state, health transitions, panic, and endpoint
 * snapshots from discovery. Thread-safe.
 *
 * <pre>{@code
 * LoadBalancerMetrics.of(orders, "orders").bindTo(registry);
 * }</pre>
 *
 * <p>Every meter carries the tag {@code serviceId} (the name given here, as in Spring Cloud
 * LoadBalancer's {@code loadbalancer.requests.*}) and the {@linkplain Builder#tags extra tags}.
 * The per-endpoint tag {@code endpoint} ({@code host:port}) is off by default, as its series grow
 * with the endpoint count; turn it on with {@link Builder#endpointTags(boolean)}. Meters of an
 * endpoint that left the group are removed with the next snapshot. docs/metrics.md lists every
 * meter.
 *
 * <p>The binder registers a {@link LoadBalancerObserver} with the balancer on
 * {@link #bindTo(MeterRegistry)}; calls, refusals, events and snapshots are counted from then on.
 * It may be bound to several registries; {@link #close()} unregisters the observers and removes
 * the meters it registered. The calls timer and the counters are updated on the reporting thread
 * without allocating; the gauges read {@link LoadBalancer#stats()} when the registry is scraped.
 */
public final class LoadBalancerMetrics implements MeterBinder, AutoCloseable {

    private final LoadBalancer lb;
    private final String service;
    private final Tags tags;
    private final boolean endpointTags;
    private final boolean latencyHistogram;
    private final List<Binding> bindings = new CopyOnWriteArrayList<>();

    private LoadBalancerMetrics(Builder b) {
        this.lb = b.lb;
        this.service = b.service;
        this.tags = Tags.of("serviceId", b.service).and(b.tags != null ? b.tags : Tags.empty());
        this.endpointTags = b.endpointTags != null && b.endpointTags;
        this.latencyHistogram = b.latencyHistogram != null && b.latencyHistogram;
    }

    /**
     * The meters of {@code lb}, tagged {@code serviceId=service}, without per-endpoint tags.
     *
     * @throws IllegalArgumentException if {@code service} is blank
     */
    public static LoadBalancerMetrics of(LoadBalancer lb, String service) {
        return builder(lb, service).build();
    }

    /**
     * A builder for the meters of {@code lb}, tagged {@code serviceId=service}.
     *
     * @throws IllegalArgumentException if {@code service} is blank
     */
    public static Builder builder(LoadBalancer lb, String service) {
        return new Builder(lb, service);
    }

    /** The {@code serviceId} tag's value. */
    public String service() {
        return service;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if a balancer is bound to {@code registry} with the same
     *     tags already (give each its own {@code serviceId})
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        requireNonNull(registry, "registry");
        if (registry.find("lbkit.calls.active").tags(tags).gauges().stream()
                .anyMatch(g -> Tags.of(g.getId().getTags()).equals(tags))) {
            // the registry would hand back the first binder's gauges and function timers, and
            // this binder's counts would be lost
            throw new IllegalStateException("a balancer is already bound to " + registry
                    + " with the tags " + tags + "; give each balancer its own serviceId");
        }
        Binding b = new Binding(registry);
        bindings.add(b);
        b.subscription = lb.observe(b);
    }

    /** Stops counting and removes this binder's meters from every registry it was bound to. */
    @Override
    public void close() {
        for (Binding b : bindings) {
            b.close();
        }
        bindings.clear();
    }

    @Override
    public String toString() {
        return "LoadBalancerMetrics[" + service + ", " + lb + "]";
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /**
     * The {@code lbkit.calls} meter of one outcome: a {@link FunctionTimer} over two adders
     * (count and total time, two uncontended CASes per call), or, with
     * {@link Builder#latencyHistogram}, a {@link Timer} publishing a percentile histogram and a
     * maximum. Both read {@code lbkit_calls_seconds_count} and {@code _sum} in Prometheus.
     */
    private static final class CallMeter {
        final Timer timer; // null: lean
        final LongAdder count = new LongAdder();
        final LongAdder nanos = new LongAdder();
        final Meter meter;

        CallMeter(MeterRegistry registry, boolean histogram, Iterable<Tag> tags) {
            String description = "Reported calls: their latency as reported, by outcome";
            if (histogram) {
                timer = Timer.builder("lbkit.calls").description(description).tags(tags)
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofNanos(100_000))
                        .maximumExpectedValue(Duration.ofSeconds(30))
                        .register(registry);
                meter = timer;
            } else {
                timer = null;
                meter = FunctionTimer.builder("lbkit.calls", this, c -> c.count.sum(),
                                c -> c.nanos.sum(), TimeUnit.NANOSECONDS)
                        .description(description).tags(tags).register(registry);
            }
        }

        void record(long latencyNanos) {
            if (timer != null) {
                timer.record(latencyNanos, TimeUnit.NANOSECONDS);
            } else {
                count.increment();
                nanos.add(latencyNanos);
            }
        }
    }

    /** The call meters of all endpoints together, or of one when endpoint tags are on. */
    private static final class EndpointMeters {
        final CallMeter success;
        final CallMeter failure;
        final Counter released;

        EndpointMeters(CallMeter success, CallMeter failure, Counter released) {
            this.success = success;
            this.failure = failure;
            this.released = released;
        }

        void removeFrom(MeterRegistry registry) {
            registry.remove(success.meter);
            registry.remove(failure.meter);
            registry.remove(released);
        }
    }

    /** The meters in one registry, and the observer that updates them. */
    private final class Binding implements LoadBalancerObserver {
        final MeterRegistry registry;
        final Clock clock;
        final List<Meter> meters = new ArrayList<>();
        final EndpointMeters all;
        final Counter[] rejected = new Counter[NoEndpointAvailableException.Reason.values().length];
        final Counter[] transitions = new Counter[HealthEvent.Type.values().length];
        final Counter updates;
        /** Per-endpoint meters by address; empty unless endpoint tags are on. */
        final ConcurrentHashMap<String, EndpointMeters> byEndpoint = new ConcurrentHashMap<>();
        /** When the last snapshot arrived (or the binding was made), registry clock nanos. */
        volatile long lastUpdateNanos;
        volatile EndpointGroup.Subscription subscription;

        Binding(MeterRegistry registry) {
            this.registry = registry;
            this.clock = registry.config().clock();
            this.lastUpdateNanos = clock.monotonicTime();
            all = endpointMeters(tags);
            for (NoEndpointAvailableException.Reason r
                    : NoEndpointAvailableException.Reason.values()) {
                rejected[r.ordinal()] = add(Counter.builder("lbkit.calls.rejected")
                        .description("Picks refused with NoEndpointAvailableException, by reason")
                        .tags(tags).tag("reason", lower(r)).register(registry));
            }
            for (HealthEvent.Type t : HealthEvent.Type.values()) {
                transitions[t.ordinal()] = add(Counter.builder("lbkit.health.transitions")
                        .description("Health events: ejections, restorations, UP/DOWN, circuit "
                                + "changes, panic entered and left")
                        .tags(tags).tag("type", lower(t)).register(registry));
            }
            updates = add(Counter.builder("lbkit.discovery.updates")
                    .description("Endpoint snapshots the balancer took from its group")
                    .tags(tags).register(registry));
            add(Gauge.builder("lbkit.calls.active", this, Binding::active)
                    .description("Calls picked and not yet reported")
                    .tags(tags).register(registry));
            for (HealthStatus s : HealthStatus.values()) {
                add(Gauge.builder("lbkit.endpoints", this, b -> b.count(s))
                        .description("Endpoints of the current snapshot, by health state")
                        .tags(tags).tag("state", lower(s)).register(registry));
            }
            add(Gauge.builder("lbkit.panic", this, b -> lb.inPanic() ? 1 : 0)
                    .description("1 while too few endpoints are healthy and calls go to all")
                    .tags(tags).register(registry));
            add(TimeGauge.builder("lbkit.discovery.last.update.age", this, TimeUnit.NANOSECONDS,
                            b -> b.clock.monotonicTime() - b.lastUpdateNanos)
                    .description("Time since the balancer last took an endpoint snapshot (or "
                            + "since the meters were bound)")
                    .tags(tags).register(registry));
        }

        private <M extends Meter> M add(M meter) {
            meters.add(meter);
            return meter;
        }

        private EndpointMeters endpointMeters(Tags t) {
            return new EndpointMeters(
                    new CallMeter(registry, latencyHistogram, t.and("outcome", "success")),
                    new CallMeter(registry, latencyHistogram, t.and("outcome", "failure")),
                    Counter.builder("lbkit.calls.released")
                            .description("Picked calls released without an outcome")
                            .tags(t).register(registry));
        }

        double active() {
            long n = 0;
            for (EndpointStats s : lb.stats()) {
                n += s.inFlight();
            }
            return n;
        }

        double count(HealthStatus status) {
            int n = 0;
            for (EndpointStats s : lb.stats()) {
                if (s.health() == status) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {
            if (endpointTags) {
                EndpointMeters m = byEndpoint.get(endpoint.address());
                if (m == null) {
                    m = byEndpoint.computeIfAbsent(endpoint.address(),
                            a -> endpointMeters(tags.and("endpoint", a)));
                }
                record(m, outcome, latencyNanos);
            }
            record(all, outcome, latencyNanos);
        }

        private void record(EndpointMeters m, Outcome outcome, long latencyNanos) {
            switch (outcome) {
                case SUCCESS:
                    m.success.record(latencyNanos);
                    break;
                case FAILURE:
                    m.failure.record(latencyNanos);
                    break;
                default:
                    m.released.increment();
            }
        }

        @Override
        public void onRejected(NoEndpointAvailableException.Reason reason) {
            rejected[reason.ordinal()].increment();
        }

        @Override
        public void onHealthEvent(HealthEvent event) {
            transitions[event.type().ordinal()].increment();
        }

        @Override
        public void onEndpoints(List<Endpoint> endpoints) {
            updates.increment();
            lastUpdateNanos = clock.monotonicTime();
            if (endpointTags) {
                Set<String> present = new HashSet<>();
                for (Endpoint e : endpoints) {
                    present.add(e.address());
                }
                byEndpoint.entrySet().removeIf(en -> {
                    if (present.contains(en.getKey())) {
                        return false;
                    }
                    en.getValue().removeFrom(registry);
                    return true;
                });
            }
        }

        void close() {
            EndpointGroup.Subscription s = subscription;
            if (s != null) {
                s.close();
            }
            for (Meter m : meters) {
                registry.remove(m);
            }
            all.removeFrom(registry);
            for (EndpointMeters m : byEndpoint.values()) {
                m.removeFrom(registry);
            }
            byEndpoint.clear();
        }
    }

    /**
     * Builds {@link LoadBalancerMetrics}. Not thread-safe. Each option may be set once; a second
     * call throws {@link IllegalStateException} naming the earlier value.
     */
    public static final class Builder {
        private final LoadBalancer lb;
        private final String service;
        private Tags tags;
        private Boolean endpointTags;
        private Boolean latencyHistogram;

        private Builder(LoadBalancer lb, String service) {
            this.lb = requireNonNull(lb, "lb");
            this.service = checkService(service);
        }

        /** Extra tags on every meter, such as {@code Tags.of("zone", "eu-1a")}; default none. */
        public Builder tags(Iterable<Tag> tags) {
            requireNonNull(tags, "tags");
            if (this.tags != null) {
                throw new IllegalStateException("tags was already set to " + this.tags);
            }
            this.tags = Names.userTags(tags);
            return this;
        }

        /**
         * Whether the calls timer and the released counter also carry an {@code endpoint} tag
         * ({@code host:port}); default false. With it on, each endpoint adds three series per
         * outcome meter: keep it for small groups or debugging. Use the same setting for every
         * binder on one Prometheus registry, which needs one tag set per meter name.
         */
        public Builder endpointTags(boolean on) {
            if (this.endpointTags != null) {
                throw new IllegalStateException("endpointTags was already set to "
                        + this.endpointTags);
            }
            this.endpointTags = on;
            return this;
        }

        /**
         * Whether {@code lbkit.calls} is a full {@link Timer} with a percentile histogram
         * (buckets from 100 µs to 30 s, for quantiles and latency SLO alerts) and a maximum;
         * default false: a {@link FunctionTimer} with count and total time only (rates and mean
         * latency), which costs the reporting thread two adder updates instead of a timer's
         * clock read, maximum and bucket update (BENCHMARKS.md, "Metrics on the call path").
         */
        public Builder latencyHistogram(boolean on) {
            if (this.latencyHistogram != null) {
                throw new IllegalStateException("latencyHistogram was already set to "
                        + this.latencyHistogram);
            }
            this.latencyHistogram = on;
            return this;
        }

        public LoadBalancerMetrics build() {
            return new LoadBalancerMetrics(this);
        }
    }

    static String checkService(String service) {
        requireNonNull(service, "service");
        if (service.isBlank()) {
            throw new IllegalArgumentException("service must not be blank");
        }
        return service;
    }
}
