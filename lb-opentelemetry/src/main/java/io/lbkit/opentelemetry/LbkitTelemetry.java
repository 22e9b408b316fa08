package io.lbkit.opentelemetry;

import static java.util.Objects.requireNonNull;

import io.lbkit.LoadBalancer;
import io.lbkit.LoadBalancerObserver;
import io.lbkit.Ticker;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.retry.RetryBudget;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.ArrayList;
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

    final Meter meter;
    final boolean endpointAttributes;
    final boolean durationHistogram;
    final Ticker ticker;
    /** Null unless the duration histogram is on. */
    final DoubleHistogram duration;
    final LongCounter rejected;
    final LongCounter transitions;
    final LongCounter updates;
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
        BalancerBinding b = new BalancerBinding(this, lb, service);
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

    static String lower(Enum<?> e) {
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
