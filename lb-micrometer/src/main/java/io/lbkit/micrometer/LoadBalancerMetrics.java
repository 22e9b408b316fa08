package io.lbkit.micrometer;

import static java.util.Objects.requireNonNull;

import io.lbkit.CallCounters;
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
import io.micrometer.core.instrument.FunctionCounter;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

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
 * <p><b>What it costs a call: nothing, by default.</b> The calls meter is a {@link FunctionTimer}
 * and the released counter a {@link FunctionCounter} over the balancer's own cumulative counts
 * ({@link LoadBalancer#counters()}), read when the registry is scraped; they count every call
 * since the balancer was built. The gauges read {@link LoadBalancer#stats()} per scrape. Refused
 * picks, health events and snapshots reach the binder through a {@link LoadBalancerObserver}
 * that does not listen to calls. Only {@link Builder#latencyHistogram(boolean)} records each call
 * (a {@link Timer} fed from the reporting thread, counting calls from binding on).
 *
 * <p>The binder may be bound to several registries; {@link #close()} unregisters its observers
 * and removes the meters it registered.
 */
public final class LoadBalancerMetrics implements MeterBinder, AutoCloseable {

    private final LoadBalancer lb;
    private final String service;
    private final Tags tags;
    private final boolean endpointTags;
    private final boolean latencyHistogram;
    private final List<Binding> bindings = new CopyOnWriteArrayList<>();

    /** The meters of {@code lb} with {@code options}, as its builder or another binder set them. */
    LoadBalancerMetrics(LoadBalancer lb, String service, MeterOptions options) {
        this.lb = requireNonNull(lb, "lb");
        this.service = checkService(service);
        this.tags = Tags.of("serviceId", service).and(options.tags());
        this.endpointTags = options.endpointTags();
        this.latencyHistogram = options.latencyHistogram();
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
        // the registry would hand back the first binder's gauges and function timers, and this
        // binder's counts would be lost
        Names.checkNotBound(registry, "lbkit.calls.active", tags,
                "a balancer", "give each balancer its own serviceId");
        Binding b = new Binding(registry);
        bindings.add(b);
        b.start();
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
     * The meters in one registry, and the observer of refusals, health events and snapshots
     * that updates them. Its class does not override {@code onCall}, so reports never reach it.
     */
    private final class Binding implements LoadBalancerObserver {
        final MeterRegistry registry;
        final Clock clock;
        final List<Meter> meters = new ArrayList<>();
        final CallMeters all;
        final Counter[] rejected = new Counter[NoEndpointAvailableException.Reason.values().length];
        final Counter[] transitions = new Counter[HealthEvent.Type.values().length];
        final Counter updates;
        /** Per-endpoint meters by address; empty unless endpoint tags are on. */
        final ConcurrentHashMap<String, CallMeters> byEndpoint = new ConcurrentHashMap<>();
        /** When the last snapshot arrived (or the binding was made), registry clock nanos. */
        volatile long lastUpdateNanos;
        final List<EndpointGroup.Subscription> subscriptions = new CopyOnWriteArrayList<>();

        Binding(MeterRegistry registry) {
            this.registry = registry;
            this.clock = registry.config().clock();
            this.lastUpdateNanos = clock.monotonicTime();
            all = new CallMeters(registry, latencyHistogram, tags, lb.counters());
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

        void start() {
            subscriptions.add(lb.observe(this));
            if (latencyHistogram) {
                subscriptions.add(lb.observe(new CallRecorder(this)));
            }
            if (endpointTags) {
                List<Endpoint> current = new ArrayList<>();
                for (EndpointStats s : lb.stats()) {
                    current.add(s.endpoint());
                }
                reconcile(current);
            }
        }

        private <M extends Meter> M add(M meter) {
            meters.add(meter);
            return meter;
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

        /** The meters of one endpoint, registered on first sight; null once it left. */
        CallMeters endpointMeters(Endpoint endpoint) {
            CallMeters m = byEndpoint.get(endpoint.address());
            if (m != null) {
                return m;
            }
            synchronized (this) {
                m = byEndpoint.get(endpoint.address());
                if (m == null) {
                    m = lb.counters(endpoint).map(c -> register(endpoint, c)).orElse(null);
                }
                return m;
            }
        }

        private CallMeters register(Endpoint endpoint, CallCounters counters) {
            CallMeters m = new CallMeters(registry, latencyHistogram,
                    tags.and("endpoint", endpoint.address()), counters);
            byEndpoint.put(endpoint.address(), m);
            return m;
        }

        /**
         * Registers the meters of the endpoints of a snapshot, and removes those of endpoints
         * that left (or whose counters are of an earlier stint in the group).
         */
        synchronized void reconcile(List<Endpoint> endpoints) {
            Map<String, Endpoint> present = new HashMap<>();
            for (Endpoint e : endpoints) {
                present.put(e.address(), e);
            }
            byEndpoint.entrySet().removeIf(en -> {
                Endpoint e = present.get(en.getKey());
                if (e != null && en.getValue().counters.equals(lb.counters(e).orElse(null))) {
                    return false;
                }
                en.getValue().removeFrom(registry);
                return true;
            });
            for (Endpoint e : endpoints) {
                if (!byEndpoint.containsKey(e.address())) {
                    lb.counters(e).ifPresent(c -> register(e, c));
                }
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
                reconcile(endpoints);
            }
        }

        synchronized void close() {
            for (EndpointGroup.Subscription s : subscriptions) {
                s.close();
            }
            for (Meter m : meters) {
                registry.remove(m);
            }
            all.removeFrom(registry);
            for (CallMeters m : byEndpoint.values()) {
                m.removeFrom(registry);
            }
            byEndpoint.clear();
        }
    }

    /**
     * Records each reported call in the latency histograms: registered only with
     * {@link Builder#latencyHistogram(boolean)}, the one per-call cost an operator opts into.
     */
    private final class CallRecorder implements LoadBalancerObserver {
        private final Binding binding;

        CallRecorder(Binding binding) {
            this.binding = binding;
        }

        @Override
        public void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {
            if (outcome == Outcome.RELEASED) {
                return;
            }
            if (endpointTags) {
                CallMeters m = binding.endpointMeters(endpoint);
                if (m != null) {
                    m.record(outcome, latencyNanos);
                }
            }
            binding.all.record(outcome, latencyNanos);
        }
    }

    /**
     * Builds {@link LoadBalancerMetrics}. Not thread-safe. Each option may be set once; a second
     * call throws {@link IllegalStateException} naming the earlier value.
     */
    public static final class Builder {
        private final LoadBalancer lb;
        private final String service;
        private final MeterOptions options = new MeterOptions();

        private Builder(LoadBalancer lb, String service) {
            this.lb = requireNonNull(lb, "lb");
            this.service = checkService(service);
        }

        /** Extra tags on every meter, such as {@code Tags.of("zone", "eu-1a")}; default none. */
        public Builder tags(Iterable<Tag> tags) {
            options.tags(tags);
            return this;
        }

        /**
         * Whether the calls timer and the released counter also carry an {@code endpoint} tag
         * ({@code host:port}); default false. With it on, each endpoint adds three series per
         * outcome meter: keep it for small groups or debugging. Use the same setting for every
         * binder on one Prometheus registry, which needs one tag set per meter name.
         */
        public Builder endpointTags(boolean on) {
            options.endpointTags(on);
            return this;
        }

        /**
         * Whether {@code lbkit.calls} is a full {@link Timer} with a percentile histogram
         * (buckets from 100 µs to 30 s, for quantiles and latency SLO alerts) and a maximum,
         * recorded on the reporting thread for every call, from binding on; default false: a
         * {@link FunctionTimer} with count and total time only (rates and mean latency), read
         * from the balancer's own counts at scrape time, which costs a call nothing
         * (BENCHMARKS.md, "Metrics on the call path").
         */
        public Builder latencyHistogram(boolean on) {
            options.latencyHistogram(on);
            return this;
        }

        public LoadBalancerMetrics build() {
            return new LoadBalancerMetrics(lb, service, options);
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
