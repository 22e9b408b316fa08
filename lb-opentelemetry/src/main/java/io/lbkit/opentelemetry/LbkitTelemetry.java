package io.lbkit.opentelemetry;

import static java.util.Objects.requireNonNull;

import io.lbkit.CallCounters;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.LoadBalancerObserver;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Ticker;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.HealthStatus;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.retry.RetryBudget;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * lbkit's metrics through the OpenTelemetry metrics API: per load balancer, calls by outcome and
 * their duration, calls in flight, refused picks, endpoints by health state, health transitions,
 * panic and discovery; per retry budget, retries granted and denied. Thread-safe; create one per
 * {@link OpenTelemetry} instance and bind any number of balancers to it.
 *
 * <pre>{@code
 * LbkitTelemetry.create(openTelemetry).bind(orders, "orders");
 * }</pre>
 *
 * <p>Instruments come from the meter {@value #INSTRUMENTATION_SCOPE}. Every point carries
 * {@code service.peer.name} (the OpenTelemetry semantic-conventions attribute for the name of the
 * remote service), and per-endpoint points, when {@linkplain Builder#endpointAttributes(boolean)
 * turned on}, also {@code server.address} and {@code server.port}. docs/metrics.md lists every
 * instrument.
 *
 * <p><b>What it costs a call: nothing, by default.</b> {@link #bind(LoadBalancer, String)}
 * registers one batch callback with the meter, which reads the balancer's own cumulative counts
 * ({@link LoadBalancer#counters()}) and {@link LoadBalancer#stats()} once per collection: calls
 * by outcome ({@code lbkit.call.count}), their total duration ({@code lbkit.call.time}) and
 * releases are asynchronous counters, counting every call since the balancer was built. Refused
 * picks, health events and snapshots reach a {@link LoadBalancerObserver} that does not listen to
 * calls, and are recorded on synchronous counters with attributes built at bind time. Only
 * {@link Builder#durationHistogram(boolean)} records each call, in the {@code lbkit.call.duration}
 * histogram, on the reporting thread, from binding on. The returned handle removes the observers
 * and the callback.
 */
public final class LbkitTelemetry {

    /** The instrumentation scope name of lbkit's meter. */
    public static final String INSTRUMENTATION_SCOPE = "io.lbkit";

    static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.peer.name");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("lbkit.call.outcome");
    static final AttributeKey<String> REASON = AttributeKey.stringKey("lbkit.rejection.reason");
    static final AttributeKey<String> STATE = AttributeKey.stringKey("lbkit.endpoint.state");
    static final AttributeKey<String> TRANSITION =
            AttributeKey.stringKey("lbkit.health.transition");
    static final AttributeKey<String> RESULT = AttributeKey.stringKey("lbkit.retry.result");

    /**
     * Duration buckets in seconds: those the semantic conventions advise for
     * {@code http.client.request.duration}, 5 ms to 10 s.
     */
    static final List<Double> DURATION_BUCKETS = List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1,
            0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);

    private final Meter meter;
    private final boolean endpointAttributes;
    private final boolean durationHistogram;
    private final Ticker ticker;
    /** Null unless the duration histogram is on. */
    private final DoubleHistogram duration;
    private final LongCounter rejected;
    private final LongCounter transitions;
    private final LongCounter updates;
    /** Services bound to balancers and to budgets; a second binding would double-report. */
    private final Set<String> boundBalancers = ConcurrentHashMap.newKeySet();
    private final Set<String> boundBudgets = ConcurrentHashMap.newKeySet();

    private LbkitTelemetry(Builder b) {
        this.meter = b.openTelemetry.meterBuilder(INSTRUMENTATION_SCOPE).build();
        this.endpointAttributes = b.endpointAttributes != null && b.endpointAttributes;
        this.durationHistogram = b.durationHistogram != null && b.durationHistogram;
        this.ticker = b.ticker != null ? b.ticker : Ticker.system();
        this.duration = !durationHistogram ? null : meter.histogramBuilder("lbkit.call.duration")
                .setUnit("s")
                .setDescription("Duration of reported calls (each pick of the balancer), by "
                        + "outcome, as the caller reported it")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS)
                .build();
        this.rejected = meter.counterBuilder("lbkit.call.rejected").setUnit("{call}")
                .setDescription("Picks refused with NoEndpointAvailableException, by reason")
                .build();
        this.transitions = meter.counterBuilder("lbkit.health.transitions").setUnit("{transition}")
                .setDescription("Health events: ejections, restorations, UP/DOWN, circuit "
                        + "changes, panic entered and left").build();
        this.updates = meter.counterBuilder("lbkit.discovery.updates").setUnit("{update}")
                .setDescription("Endpoint snapshots the balancer took from its group").build();
    }

    /** lbkit's instruments on {@code openTelemetry}'s meter provider, without endpoint attributes. */
    public static LbkitTelemetry create(OpenTelemetry openTelemetry) {
        return builder(openTelemetry).build();
    }

    /** A builder for lbkit's instruments on {@code openTelemetry}'s meter provider. */
    public static Builder builder(OpenTelemetry openTelemetry) {
        return new Builder(openTelemetry);
    }

    /**
     * Starts recording the metrics of {@code lb} with {@code service.peer.name=service}: calls,
     * refusals, events and snapshots from now on.
     *
     * @return a handle whose {@code close()} stops recording (counters keep their totals) and
     *     removes the observable instruments' callback
     * @throws IllegalArgumentException if {@code service} is blank
     * @throws IllegalStateException if a balancer is bound under that name already
     */
    public AutoCloseable bind(LoadBalancer lb, String service) {
        requireNonNull(lb, "lb");
        claim(boundBalancers, checkService(service), "a balancer");
        Binding b = new Binding(lb, service);
        b.start();
        return () -> {
            b.close();
            boundBalancers.remove(service);
        };
    }

    /**
     * Starts reporting the cumulative counts of {@code budget} with
     * {@code service.peer.name=service}: {@code lbkit.retries} and
     * {@code lbkit.retry.budget.requests}.
     *
     * @return a handle whose {@code close()} removes the callback
     * @throws IllegalArgumentException if {@code service} is blank
     * @throws IllegalStateException if a budget is bound under that name already
     */
    public AutoCloseable bind(RetryBudget budget, String service) {
        requireNonNull(budget, "budget");
        claim(boundBudgets, checkService(service), "a retry budget");
        Attributes base = Attributes.of(SERVICE, service);
        Attributes granted = base.toBuilder().put(RESULT, "granted").build();
        Attributes denied = base.toBuilder().put(RESULT, "denied").build();
        ObservableLongMeasurement retries = meter.counterBuilder("lbkit.retries")
                .setUnit("{retry}")
                .setDescription("Retries the retry budget granted (granted) or refused (denied)")
                .buildObserver();
        ObservableLongMeasurement requests = meter.counterBuilder("lbkit.retry.budget.requests")
                .setUnit("{request}")
                .setDescription("Calls the retry budget counted (first attempts)")
                .buildObserver();
        BatchCallback cb = meter.batchCallback(() -> {
            retries.record(budget.retriesGranted(), granted);
            retries.record(budget.retriesDenied(), denied);
            requests.record(budget.requests(), base);
        }, retries, requests);
        return () -> {
            cb.close();
            boundBudgets.remove(service);
        };
    }

    /**
     * Binds every service of {@code client} ({@link #bind(LoadBalancer, String)} under its name)
     * and every retry budget it uses, a budget shared by several services once, named by their
     * names joined by commas in alphabetical order. Needs lb-httpclient.
     *
     * @return a handle whose {@code close()} closes every binding made here
     */
    public AutoCloseable bind(BalancedHttpClient client) {
        requireNonNull(client, "client");
        List<AutoCloseable> handles = new ArrayList<>();
        Map<RetryBudget, TreeSet<String>> byBudget = new IdentityHashMap<>();
        for (String service : client.services()) {
            handles.add(bind(client.loadBalancer(service).orElseThrow(), service));
            byBudget.computeIfAbsent(client.retryBudget(service).orElseThrow(),
                    k -> new TreeSet<>()).add(service);
        }
        byBudget.forEach((budget, services) -> handles.add(bind(budget,
                String.join(",", services))));
        return () -> {
            for (AutoCloseable h : handles) {
                h.close();
            }
        };
    }

    @Override
    public String toString() {
        return "LbkitTelemetry[" + meter + "]";
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static void claim(Set<String> bound, String service, String what) {
        if (!bound.add(service)) {
            throw new IllegalStateException(what + " is already bound as service.peer.name="
                    + service + "; give each its own name, or close the first binding");
        }
    }

    static String checkService(String service) {
        requireNonNull(service, "service");
        if (service.isBlank()) {
            throw new IllegalArgumentException("service must not be blank");
        }
        return service;
    }

    /** The call attributes of all endpoints together, or of one when endpoint attributes are on. */
    private static final class EndpointAttributes {
        final Attributes success;
        final Attributes failure;
        final Attributes released;

        EndpointAttributes(Attributes base) {
            success = base.toBuilder().put(OUTCOME, "success").build();
            failure = base.toBuilder().put(OUTCOME, "failure").build();
            released = base;
        }

        void record(CallCounters c, ObservableLongMeasurement count,
                ObservableDoubleMeasurement time, ObservableLongMeasurement releases) {
            count.record(c.successes(), success);
            count.record(c.failures(), failure);
            time.record(c.successNanos() / 1e9, success);
            time.record(c.failureNanos() / 1e9, failure);
            releases.record(c.releases(), released);
        }
    }

    /**
     * One bound balancer: its attributes, its collection callback, and the observer of refusals,
     * health events and snapshots (its class does not override {@code onCall}, so reports never
     * reach it).
     */
    private final class Binding implements LoadBalancerObserver {
        final LoadBalancer lb;
        final Attributes base;
        final EndpointAttributes all;
        final Attributes[] rejectedAttributes =
                new Attributes[NoEndpointAvailableException.Reason.values().length];
        final Attributes[] transitionAttributes = new Attributes[HealthEvent.Type.values().length];
        final Attributes[] stateAttributes = new Attributes[HealthStatus.values().length];
        final ConcurrentHashMap<String, EndpointAttributes> byEndpoint = new ConcurrentHashMap<>();
        volatile long lastUpdateNanos = ticker.read();
        final List<EndpointGroup.Subscription> subscriptions = new ArrayList<>();
        BatchCallback callback;

        Binding(LoadBalancer lb, String service) {
            this.lb = lb;
            this.base = Attributes.of(SERVICE, service);
            this.all = new EndpointAttributes(base);
            for (NoEndpointAvailableException.Reason r : NoEndpointAvailableException.Reason.values()) {
                rejectedAttributes[r.ordinal()] = base.toBuilder().put(REASON, lower(r)).build();
            }
            for (HealthEvent.Type t : HealthEvent.Type.values()) {
                transitionAttributes[t.ordinal()] =
                        base.toBuilder().put(TRANSITION, lower(t)).build();
            }
            for (HealthStatus s : HealthStatus.values()) {
                stateAttributes[s.ordinal()] = base.toBuilder().put(STATE, lower(s)).build();
            }
        }

        void start() {
            ObservableLongMeasurement count = meter.counterBuilder("lbkit.call.count")
                    .setUnit("{call}")
                    .setDescription("Reported calls (each pick of the balancer), by outcome")
                    .buildObserver();
            ObservableDoubleMeasurement time = meter.counterBuilder("lbkit.call.time").ofDoubles()
                    .setUnit("s")
                    .setDescription("Total duration of reported calls, by outcome, as the "
                            + "callers reported it")
                    .buildObserver();
            ObservableLongMeasurement releases = meter.counterBuilder("lbkit.call.released")
                    .setUnit("{call}")
                    .setDescription("Picked calls released without an outcome")
                    .buildObserver();
            CallCounters counters = lb.counters();
            ObservableLongMeasurement active = meter.upDownCounterBuilder("lbkit.call.active")
                    .setUnit("{call}").setDescription("Calls picked and not yet reported")
                    .buildObserver();
            ObservableLongMeasurement endpoints = meter.upDownCounterBuilder("lbkit.endpoint.count")
                    .setUnit("{endpoint}")
                    .setDescription("Endpoints of the current snapshot, by health state")
                    .buildObserver();
            ObservableLongMeasurement panic = meter.gaugeBuilder("lbkit.panic").ofLongs()
                    .setUnit("1")
                    .setDescription("1 while too few endpoints are healthy and calls go to all")
                    .buildObserver();
            ObservableDoubleMeasurement age = meter.gaugeBuilder("lbkit.discovery.last_update.age")
                    .setUnit("s")
                    .setDescription("Time since the balancer last took an endpoint snapshot (or "
                            + "since it was bound)")
                    .buildObserver();
            callback = meter.batchCallback(() -> {
                long inFlight = 0;
                long[] byState = new long[HealthStatus.values().length];
                List<EndpointStats> stats = lb.stats();
                for (EndpointStats s : stats) {
                    inFlight += s.inFlight();
                    byState[s.health().ordinal()]++;
                }
                all.record(counters, count, time, releases);
                if (endpointAttributes) {
                    for (EndpointStats s : stats) {
                        CallCounters c = lb.counters(s.endpoint()).orElse(null);
                        if (c != null) {
                            attributes(s.endpoint()).record(c, count, time, releases);
                        }
                    }
                }
                active.record(inFlight, base);
                for (HealthStatus s : HealthStatus.values()) {
                    endpoints.record(byState[s.ordinal()], stateAttributes[s.ordinal()]);
                }
                panic.record(lb.inPanic() ? 1 : 0, base);
                age.record((ticker.read() - lastUpdateNanos) / 1e9, base);
            }, count, time, releases, active, endpoints, panic, age);
            // Every counter point from the start, at 0, so that a backend's increase() sees the
            // first refusal or ejection and an alert never waits for a series to appear.
            for (Attributes a : rejectedAttributes) {
                rejected.add(0, a);
            }
            for (Attributes a : transitionAttributes) {
                transitions.add(0, a);
            }
            updates.add(0, base);
            subscriptions.add(lb.observe(this));
            if (durationHistogram) {
                subscriptions.add(lb.observe(new CallRecorder(this)));
            }
        }

        void close() {
            subscriptions.forEach(EndpointGroup.Subscription::close);
            callback.close();
        }

        /** The attributes of one endpoint's points, built on first sight. */
        EndpointAttributes attributes(Endpoint endpoint) {
            EndpointAttributes a = byEndpoint.get(endpoint.address());
            if (a == null) {
                a = byEndpoint.computeIfAbsent(endpoint.address(),
                        k -> new EndpointAttributes(base.toBuilder()
                                .put(SERVER_ADDRESS, endpoint.host())
                                .put(SERVER_PORT, (long) endpoint.port()).build()));
            }
            return a;
        }

        @Override
        public void onRejected(NoEndpointAvailableException.Reason reason) {
            rejected.add(1, rejectedAttributes[reason.ordinal()]);
        }

        @Override
        public void onHealthEvent(HealthEvent event) {
            transitions.add(1, transitionAttributes[event.type().ordinal()]);
        }

        @Override
        public void onEndpoints(List<Endpoint> endpoints) {
            updates.add(1, base);
            lastUpdateNanos = ticker.read();
            if (endpointAttributes) {
                Set<String> present = new HashSet<>();
                for (Endpoint e : endpoints) {
                    present.add(e.address());
                }
                byEndpoint.keySet().retainAll(present);
            }
        }
    }

    /**
     * Records each reported call in the {@code lbkit.call.duration} histogram: registered only
     * with {@link Builder#durationHistogram(boolean)}, the one per-call cost an operator opts
     * into.
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
            EndpointAttributes a = endpointAttributes ? binding.attributes(endpoint) : binding.all;
            duration.record(latencyNanos / 1e9,
                    outcome == Outcome.SUCCESS ? a.success : a.failure);
        }
    }

    /**
     * Builds {@link LbkitTelemetry}. Not thread-safe. Each option may be set once; a second call
     * throws {@link IllegalStateException} naming the earlier value.
     */
    public static final class Builder {
        private final OpenTelemetry openTelemetry;
        private Boolean endpointAttributes;
        private Boolean durationHistogram;
        private Ticker ticker;

        private Builder(OpenTelemetry openTelemetry) {
            this.openTelemetry = requireNonNull(openTelemetry, "openTelemetry");
        }

        /**
         * Whether call durations and releases also carry {@code server.address} and
         * {@code server.port} of the endpoint; default false. Each endpoint then adds its own
         * series: keep it for small groups or debugging.
         */
        public Builder endpointAttributes(boolean on) {
            checkUnset(this.endpointAttributes, "endpointAttributes");
            this.endpointAttributes = on;
            return this;
        }

        /**
         * Whether call durations are also recorded, call by call, in the
         * {@code lbkit.call.duration} histogram (seconds, the semantic conventions'
         * {@code http.client.request.duration} buckets, 5 ms to 10 s), for quantiles and latency
         * SLOs; default false: {@code lbkit.call.count} and {@code lbkit.call.time} give rates and
         * mean latency, read from the balancer's own counts at collection time, which costs a
         * call nothing. The histogram costs the reporting thread the SDK's bucket search and
         * update per call (BENCHMARKS.md, "Metrics on the call path").
         */
        public Builder durationHistogram(boolean on) {
            checkUnset(this.durationHistogram, "durationHistogram");
            this.durationHistogram = on;
            return this;
        }

        /** The time source of {@code lbkit.discovery.last_update.age}; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            requireNonNull(ticker, "ticker");
            checkUnset(this.ticker, "ticker");
            this.ticker = ticker;
            return this;
        }

        /** A builder option is set at most once: else a message naming it and its value. */
        private static void checkUnset(Object current, String option) {
            if (current != null) {
                throw new IllegalStateException(option + " was already set to " + current);
            }
        }

        public LbkitTelemetry build() {
            return new LbkitTelemetry(this);
        }
    }
}
