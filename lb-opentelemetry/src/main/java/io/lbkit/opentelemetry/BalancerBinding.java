package io.lbkit.opentelemetry;

import static io.lbkit.opentelemetry.LbkitTelemetry.OUTCOME;
import static io.lbkit.opentelemetry.LbkitTelemetry.REASON;
import static io.lbkit.opentelemetry.LbkitTelemetry.SERVER_ADDRESS;
import static io.lbkit.opentelemetry.LbkitTelemetry.SERVER_PORT;
import static io.lbkit.opentelemetry.LbkitTelemetry.SERVICE;
import static io.lbkit.opentelemetry.LbkitTelemetry.STATE;
import static io.lbkit.opentelemetry.LbkitTelemetry.TRANSITION;
import static io.lbkit.opentelemetry.LbkitTelemetry.lower;

import io.lbkit.CallCounters;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.LoadBalancerObserver;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.HealthStatus;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.BatchCallback;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One bound balancer: its attributes, its collection callback, and the observer of refusals,
 * health events and snapshots (its class does not override {@code onCall}, so reports never
 * reach it). Thread-safe: the callback runs on the collecting thread, the observer on the
 * balancer's reporting and event threads; what they share is final, volatile or concurrent.
 */
final class BalancerBinding implements LoadBalancerObserver {
    private final LbkitTelemetry telemetry;
    final LoadBalancer lb;
    final Attributes base;
    final EndpointAttributes all;
    /** By ordinal of the enum: the base attributes plus the constant's lower-case name. */
    final Attributes[] rejectedAttributes;
    final Attributes[] transitionAttributes;
    final Attributes[] stateAttributes;
    final ConcurrentHashMap<String, EndpointAttributes> byEndpoint = new ConcurrentHashMap<>();
    /** When the last snapshot arrived (or the binding was made), by the telemetry's ticker. */
    volatile long lastUpdateNanos;
    final List<EndpointGroup.Subscription> subscriptions = new ArrayList<>();
    BatchCallback callback;

    BalancerBinding(LbkitTelemetry telemetry, LoadBalancer lb, String service) {
        this.telemetry = telemetry;
        this.lastUpdateNanos = telemetry.ticker.read();
        this.lb = lb;
        this.base = Attributes.of(SERVICE, service);
        this.all = new EndpointAttributes(base);
        this.rejectedAttributes = byOrdinal(base, REASON,
                NoEndpointAvailableException.Reason.values());
        this.transitionAttributes = byOrdinal(base, TRANSITION, HealthEvent.Type.values());
        this.stateAttributes = byOrdinal(base, STATE, HealthStatus.values());
    }

    /** {@code base} plus {@code key} set to each constant's lower-case name, by ordinal. */
    private static Attributes[] byOrdinal(Attributes base, AttributeKey<String> key,
            Enum<?>[] constants) {
        Attributes[] byOrdinal = new Attributes[constants.length];
        for (Enum<?> c : constants) {
            byOrdinal[c.ordinal()] = base.toBuilder().put(key, lower(c)).build();
        }
        return byOrdinal;
    }

    void start() {
        Meter meter = telemetry.meter;
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
            if (telemetry.endpointAttributes) {
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
            age.record((telemetry.ticker.read() - lastUpdateNanos) / 1e9, base);
        }, count, time, releases, active, endpoints, panic, age);
        // Every counter point from the start, at 0, so that a backend's increase() sees the
        // first refusal or ejection and an alert never waits for a series to appear.
        for (Attributes a : rejectedAttributes) {
            telemetry.rejected.add(0, a);
        }
        for (Attributes a : transitionAttributes) {
            telemetry.transitions.add(0, a);
        }
        telemetry.updates.add(0, base);
        subscriptions.add(lb.observe(this));
        if (telemetry.durationHistogram) {
            subscriptions.add(lb.observe(new CallRecorder()));
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
        telemetry.rejected.add(1, rejectedAttributes[reason.ordinal()]);
    }

    @Override
    public void onHealthEvent(HealthEvent event) {
        telemetry.transitions.add(1, transitionAttributes[event.type().ordinal()]);
    }

    @Override
    public void onEndpoints(List<Endpoint> endpoints) {
        telemetry.updates.add(1, base);
        lastUpdateNanos = telemetry.ticker.read();
        if (telemetry.endpointAttributes) {
            Set<String> present = new HashSet<>();
            for (Endpoint e : endpoints) {
                present.add(e.address());
            }
            byEndpoint.keySet().retainAll(present);
        }
    }

    /** The call attributes of all endpoints together, or of one when endpoint attributes are on. */
    static final class EndpointAttributes {
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
     * Records each reported call of this binding in the {@code lbkit.call.duration} histogram:
     * registered only with {@link LbkitTelemetry.Builder#durationHistogram(boolean)}, the one
     * per-call cost an operator opts into. The service's series always; with endpoint attributes
     * also the endpoint's (a second recording), as the counters carry both.
     */
    private final class CallRecorder implements LoadBalancerObserver {
        @Override
        public void onCall(Endpoint endpoint, Outcome outcome, long latencyNanos) {
            if (outcome == Outcome.RELEASED) {
                return;
            }
            double seconds = latencyNanos / 1e9;
            boolean success = outcome == Outcome.SUCCESS;
            telemetry.duration.record(seconds, success ? all.success : all.failure);
            if (telemetry.endpointAttributes) { // beside the aggregate, as the counters are
                EndpointAttributes a = attributes(endpoint);
                telemetry.duration.record(seconds, success ? a.success : a.failure);
            }
        }
    }
}
