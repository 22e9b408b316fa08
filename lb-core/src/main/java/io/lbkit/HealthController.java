package io.lbkit;

import io.lbkit.EndpointState.CircuitState;
import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.OutlierDetection;
import io.lbkit.health.SlowStart;
import io.lbkit.internal.SerialQueue;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The health rules of one balancer: outlier ejection, circuit breaking, active checks and slow
 * start. Thread-safe: every method takes the balancer's lock; each state change ends with a
 * routing-table rebuild. Nothing here runs on the pick path.
 *
 * <p>Events are queued under the lock, in order, and delivered (logged, recorded, passed to the
 * user's listener) once the lock is released, by {@link #deliverEvents()}: a listener never runs
 * under the balancer's lock, so it may pick, read stats or change the balancer's group, and one
 * that throws, even an {@link Error}, is logged and stops no timer.
 *
 * <p>Timers run on the configured scheduler through {@code schedule(Runnable, long, TimeUnit)}
 * only, so a test scheduler driven by a fake ticker need implement just that. A task that throws
 * is logged and never kills the scheduler's thread.
 */
final class HealthController {

    private static final System.Logger LOG = System.getLogger(LoadBalancer.class.getName());

    private final DefaultLoadBalancer lb;
    private final Object lock;
    private final Ticker ticker;
    private final ScheduledExecutorService scheduler;
    private final OutlierDetection outlier;
    private final CircuitBreaker breaker; // null: off
    private final HealthCheck check; // null: off
    private final SlowStart slowStart; // null: off
    private final BalancerConfig config;

    /** The failure streak at which a report must call {@link #onFailure}. */
    final int streakThreshold;

    /** Events waiting for the next table publication. Guarded by {@link #lock}. */
    private final List<HealthEvent> pendingEvents = new ArrayList<>();
    /** Published events waiting for delivery outside the lock, in order. */
    private final SerialQueue deliveries = new SerialQueue(LOG, "health listener");
    /** Guarded by {@link #lock}. */
    private ScheduledFuture<?> intervalTask;
    /** Guarded by {@link #lock}. */
    private ScheduledFuture<?> rampTick;
    /** Guarded by {@link #lock}. */
    private boolean closed;

    HealthController(DefaultLoadBalancer lb, Object lock, BalancerConfig config) {
        this.lb = lb;
        this.lock = lock;
        this.config = config;
        this.ticker = config.ticker();
        this.scheduler = config.scheduler();
        this.outlier = config.outlierDetection();
        this.breaker = config.circuitBreaker();
        this.check = config.healthCheck();
        this.slowStart = config.slowStart();
        int t = Integer.MAX_VALUE;
        if (outlier.consecutiveFailures() > 0) {
            t = outlier.consecutiveFailures();
        }
        if (breaker != null) {
            t = Math.min(t, breaker.failureThreshold());
        }
        this.streakThreshold = t;
    }

    /** Whether reports need to reach this controller at all. */
    boolean passive() {
        return outlier.isEnabled() || breaker != null;
    }

    /** Starts the periodic outlier interval. Call once, under the lock. */
    void start() {
        if (outlier.isEnabled()) {
            intervalTask = schedule(this::onInterval, outlier.interval().toNanos());
        }
    }

    // ---- membership ------------------------------------------------------------------------

    /** Under the lock: endpoints joined ({@code initial}: the balancer's first snapshot). */
    void joined(Collection<EndpointState> added, boolean initial) {
        for (EndpointState s : added) {
            if (!initial) {
                startRamp(s);
            }
            if (check != null) {
                s.probeTask = schedule(() -> probe(s), 0);
            }
        }
    }

    /** Under the lock: endpoints left the group. */
    void left(Collection<EndpointState> removed) {
        for (EndpointState s : removed) {
            s.removed = true;
            s.trial = false;
            cancel(s.probeTask);
            cancel(s.restoreTask);
            cancel(s.circuitTask);
        }
    }

    /** Stops every timer; tasks already running see {@code closed} and do nothing. */
    void close() {
        synchronized (lock) {
            closed = true;
            cancel(intervalTask);
            cancel(rampTick);
            left(lb.statesLocked());
        }
    }

    // ---- passive: outlier detection and circuit breaking -----------------------------------

    /** A report crossed the streak threshold, or failed while half-open. */
    void onFailure(EndpointState s, int streak) {
        try {
            onFailureLocked(s, streak);
        } finally {
            deliverEvents();
        }
    }

    private void onFailureLocked(EndpointState s, int streak) {
        synchronized (lock) {
            if (closed || s.removed) {
                return;
            }
            boolean changed = false;
            if (s.circuit == CircuitState.HALF_OPEN) {
                openCircuit(s, "trial call failed");
                changed = true;
            } else if (breaker != null && s.circuit == CircuitState.CLOSED
                    && streak >= breaker.failureThreshold()) {
                openCircuit(s, streak + " consecutive failures");
                changed = true;
            }
            if (outlier.consecutiveFailures() > 0 && streak >= outlier.consecutiveFailures()) {
                changed |= eject(s, streak + " consecutive failures");
            }
            if (changed) {
                lb.rebuildLocked();
            }
        }
    }

    /** A success while half-open. */
    void onTrialSuccess(EndpointState s) {
        try {
            onTrialSuccessLocked(s);
        } finally {
            deliverEvents();
        }
    }

    private void onTrialSuccessLocked(EndpointState s) {
        synchronized (lock) {
            if (closed || s.removed || s.circuit != CircuitState.HALF_OPEN) {
                return;
            }
            if (++s.trialSuccesses >= breaker.trialCalls()) {
                s.circuit = CircuitState.CLOSED;
                s.trial = false;
                s.resetFailureStreak();
                startRamp(s);
                emit(HealthEvent.Type.CIRCUIT_CLOSED, s, s.trialSuccesses + " trial calls passed");
                lb.rebuildLocked();
            }
        }
    }

    private void openCircuit(EndpointState s, String why) {
        s.circuit = CircuitState.OPEN;
        s.trial = false;
        s.resetFailureStreak();
        cancel(s.circuitTask);
        s.circuitTask = schedule(() -> halfOpen(s), breaker.openDuration().toNanos());
        emit(HealthEvent.Type.CIRCUIT_OPENED, s, why + "; half-open in " + breaker.openDuration());
    }

    private void halfOpen(EndpointState s) {
        synchronized (lock) {
            if (closed || s.removed || s.circuit != CircuitState.OPEN) {
                return;
            }
            s.circuit = CircuitState.HALF_OPEN;
            s.trialSuccesses = 0;
            s.trial = true;
            emit(HealthEvent.Type.CIRCUIT_HALF_OPEN, s,
                    "up to " + breaker.trialCalls() + " trial calls");
            lb.rebuildLocked();
        }
    }

    /**
     * 1 s: beyond the ejection cap, only an endpoint that has failed every call for this long is
     * ejected. An overloaded endpoint still completes calls between its timeouts; ejecting it
     * beyond the cap would move its load onto the rest and could cascade (the simulator's
     * capacity and rolling-deploy scenarios do exactly that). A down, hanging, refusing or
     * erroring endpoint completes none.
     */
    static final long HARD_FAILURE_NANOS = 1_000_000_000L;

    /**
     * Under the lock. Ejects unless already ejected, or the ejection cap is reached and the
     * endpoint is not hard-failing ({@link #HARD_FAILURE_NANOS}) while the endpoints left in
     * rotation show that the fault is its own (see {@link #othersVouch}).
     */
    private boolean eject(EndpointState s, String why) {
        if (s.ejected) {
            return false;
        }
        Collection<EndpointState> all = lb.statesLocked();
        int ejected = 0;
        for (EndpointState o : all) {
            if (o.ejected) {
                ejected++;
            }
        }
        int max = Math.max(1, all.size() * outlier.maxEjectionPercent() / 100);
        if (ejected >= max && !(s.failingFor(HARD_FAILURE_NANOS, ticker.read())
                && othersVouch(s, all))) {
            LOG.log(Level.DEBUG, () -> "not ejecting " + s.endpoint().address() + " (" + why
                    + "): " + max + " of " + all.size() + " endpoints ejected already, and it"
                    + " has not failed every call for 1 s while most of the rest work");
            return false;
        }
        s.ejected = true;
        s.ejections++;
        s.ejectionMultiplier++;
        s.resetFailureStreak();
        long nanos = Math.min(outlier.baseEjectionTime().toNanos() * s.ejectionMultiplier,
                outlier.maxEjectionTime().toNanos());
        cancel(s.restoreTask);
        s.restoreTask = schedule(() -> restore(s), nanos);
        emit(HealthEvent.Type.EJECTED, s, why + "; for " + java.time.Duration.ofNanos(nanos));
        return true;
    }

    /**
     * Under the lock: whether the endpoints that would stay in rotation without {@code s} show
     * that its failures are its own, so it may be ejected beyond the cap: at least one of them
     * is working (not {@linkplain FailureScore#failing known to be failing}) and the working
     * ones are at least as many as the failing ones. The cap exists for faults that are not the
     * endpoints' (a client-side problem, a shared dependency, overload): then most endpoints fail
     * alike and this refuses; when a minority fails while the rest succeed, they are ejected
     * however many they are.
     */
    private boolean othersVouch(EndpointState s, Collection<EndpointState> all) {
        long now = ticker.read();
        int working = 0;
        int failing = 0;
        for (EndpointState o : all) {
            if (o == s || !DefaultLoadBalancer.eligible(o)) {
                continue;
            }
            if (FailureScore.failing(o.failureScore(now))) {
                failing++;
            } else {
                working++;
            }
        }
        return working >= 1 && working >= failing;
    }

    private void restore(EndpointState s) {
        synchronized (lock) {
            if (closed || s.removed || !s.ejected) {
                return;
            }
            s.ejected = false;
            s.resetFailureStreak();
            startRamp(s);
            emit(HealthEvent.Type.RESTORED, s, "ejection time passed");
            lb.rebuildLocked();
        }
    }

    /** Every interval: the rate detectors, and ejection multipliers shrink for healthy endpoints. */
    private void onInterval() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            Collection<EndpointState> all = lb.statesLocked();
            List<EndpointState> judged = new ArrayList<>();
            List<double[]> volumes = new ArrayList<>(); // {calls, successRate}
            for (EndpointState s : all) {
                long ok = s.successes();
                long bad = s.failures();
                long dOk = (ok - s.intervalSuccesses) & 0xFFFF_FFFFL; // successes wrap at 2^32
                long dBad = bad - s.intervalFailures;
                s.intervalSuccesses = ok;
                s.intervalFailures = bad;
                if (!s.ejected && s.ejectionMultiplier > 0) {
                    s.ejectionMultiplier--;
                }
                if (!s.ejected && dOk + dBad > 0) {
                    judged.add(s);
                    volumes.add(new double[] {dOk + dBad, (double) dOk / (dOk + dBad)});
                }
            }
            boolean changed = successRate(judged, volumes) | failurePercentage(judged, volumes);
            if (changed) {
                lb.rebuildLocked();
            }
            intervalTask = schedule(this::onInterval, outlier.interval().toNanos());
        }
    }

    private boolean successRate(List<EndpointState> judged, List<double[]> v) {
        double factor = outlier.successRateStdevFactor();
        if (factor == 0) {
            return false;
        }
        int volume = outlier.successRateRequestVolume();
        double sum = 0;
        double sumSq = 0;
        int hosts = 0;
        for (double[] x : v) {
            if (x[0] >= volume) {
                sum += x[1];
                sumSq += x[1] * x[1];
                hosts++;
            }
        }
        if (hosts < outlier.successRateMinimumHosts() || hosts == 0) {
            return false;
        }
        double mean = sum / hosts;
        double stdev = Math.sqrt(Math.max(0, sumSq / hosts - mean * mean));
        double threshold = mean - factor * stdev;
        boolean changed = false;
        for (int i = 0; i < judged.size(); i++) {
            double[] x = v.get(i);
            if (x[0] >= volume && x[1] < threshold) {
                changed |= eject(judged.get(i), String.format(
                        "success rate %.1f%% below %.1f%% (mean %.1f%% - %.2f stdev)",
                        100 * x[1], 100 * threshold, 100 * mean, factor));
            }
        }
        return changed;
    }

    private boolean failurePercentage(List<EndpointState> judged, List<double[]> v) {
        int threshold = outlier.failurePercentageThreshold();
        if (threshold == 0) {
            return false;
        }
        int volume = outlier.failurePercentageRequestVolume();
        int hosts = 0;
        for (double[] x : v) {
            if (x[0] >= volume) {
                hosts++;
            }
        }
        if (hosts < outlier.failurePercentageMinimumHosts()) {
            return false;
        }
        boolean changed = false;
        for (int i = 0; i < judged.size(); i++) {
            double[] x = v.get(i);
            double failedPercent = 100 * (1 - x[1]);
            if (x[0] >= volume && failedPercent >= threshold) {
                changed |= eject(judged.get(i), String.format(
                        "%.1f%% of %d calls failed (threshold %d%%)", failedPercent, (long) x[0],
                        threshold));
            }
        }
        return changed;
    }

    // ---- active health checks --------------------------------------------------------------

    private void probe(EndpointState s) {
        synchronized (lock) {
            if (closed || s.removed) {
                return;
            }
        }
        Endpoint endpoint = s.endpoint();
        CompletableFuture<Boolean> result;
        try {
            result = check.probe().check(endpoint).toCompletableFuture();
        } catch (RuntimeException | Error e) { // a plug-in's bug is a failed check, not ours
            result = CompletableFuture.failedFuture(e);
        }
        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<Boolean> pending = result;
        ScheduledFuture<?> timeout = schedule(() -> {
            if (done.compareAndSet(false, true)) {
                pending.cancel(true);
                probed(s, false, "no answer within " + check.timeout());
            }
        }, check.timeout().toNanos());
        result.whenComplete((ok, error) -> {
            if (done.compareAndSet(false, true)) {
                timeout.cancel(false);
                boolean passed = error == null && Boolean.TRUE.equals(ok);
                probed(s, passed, error != null ? "probe failed: " + error
                        : passed ? "probe passed" : "probe answered unhealthy");
            }
        });
    }

    private void probed(EndpointState s, boolean passed, String detail) {
        try {
            probedLocked(s, passed, detail);
        } finally {
            deliverEvents();
        }
    }

    private void probedLocked(EndpointState s, boolean passed, String detail) {
        synchronized (lock) {
            if (closed || s.removed) {
                return;
            }
            if (passed) {
                s.probeFailures = 0;
                if (s.down && ++s.probePasses >= check.rise()) {
                    s.down = false;
                    s.probePasses = 0;
                    startRamp(s);
                    emit(HealthEvent.Type.UP, s, check.rise() + " checks passed");
                    lb.rebuildLocked();
                }
            } else {
                s.probePasses = 0;
                if (!s.down && ++s.probeFailures >= check.fall()) {
                    s.down = true;
                    s.probeFailures = 0;
                    emit(HealthEvent.Type.DOWN, s, check.fall() + " checks failed; last: " + detail);
                    lb.rebuildLocked();
                }
            }
            long interval = check.interval().toNanos();
            long jitter = interval * check.jitterPercent() / 100;
            long next = jitter == 0 ? interval
                    : interval + ThreadLocalRandom.current().nextLong(-jitter, jitter + 1);
            s.probeTask = schedule(() -> probe(s), next);
        }
    }

    // ---- slow start ----------------------------------------------------------------------

    private void startRamp(EndpointState s) {
        if (slowStart != null) {
            s.rampStart = ticker.read();
        }
    }

    /**
     * Under the lock, from a rebuild: the endpoint's effective weight now (its weight scaled by
     * {@link #weightScale()}, reduced while it ramps); ends ramps that are complete.
     */
    int effectiveWeight(EndpointState s, long now) {
        int w = s.endpoint().weight() * weightScale();
        if (s.rampStart == Long.MIN_VALUE) {
            return w;
        }
        double f = slowStart.factor(now - s.rampStart);
        if (f >= 1.0) {
            s.rampStart = Long.MIN_VALUE;
            return w;
        }
        return Math.max(1, (int) Math.round(w * f));
    }

    /** The share of its weight the endpoint receives now, 1..100; under the lock. */
    int weightPercent(EndpointState s, long now) {
        if (s.rampStart == Long.MIN_VALUE) {
            return 100;
        }
        return (int) Math.max(1, Math.min(100, Math.round(100 * slowStart.factor(now - s.rampStart))));
    }

    /** Weights are multiplied by 100 when slow start is on, so a 10% ramp of weight 1 exists. */
    int weightScale() {
        return slowStart == null ? 1 : 100;
    }

    /** Under the lock, from a rebuild that left endpoints ramping: rebuild again soon. */
    void rampPending() {
        if (rampTick == null && !closed) {
            long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(10), slowStart.window().toNanos() / 20);
            rampTick = schedule(() -> {
                synchronized (lock) {
                    rampTick = null;
                    if (!closed) {
                        lb.rebuildLocked();
                    }
                }
            }, tick);
        }
    }

    // ---- events and timers ---------------------------------------------------------------

    /**
     * Under the lock: queues an event. Events are delivered by {@link #flushEvents()} once the
     * routing table reflects them, so a listener that picks on an event sees the new table.
     */
    void emit(HealthEvent.Type type, EndpointState s, String detail) {
        Endpoint e = s == null ? null : s.endpoint();
        pendingEvents.add(new HealthEvent(type, Optional.ofNullable(e), detail));
    }

    /**
     * Under the lock, after a table was published: queues the pending events for delivery by
     * {@link #deliverEvents()}, in order.
     */
    void flushEvents() {
        if (pendingEvents.isEmpty()) {
            return;
        }
        for (HealthEvent event : pendingEvents) {
            deliveries.enqueue(() -> deliver(event));
        }
        pendingEvents.clear();
    }

    /**
     * Delivers the published events: call it holding no lock, after any change that may have
     * published some. Runs them on this thread, unless another thread is delivering (then that
     * thread runs these too, after the earlier ones).
     */
    void deliverEvents() {
        deliveries.drain();
    }

    /** Logs, records and hands one event to the listener; outside the lock. */
    private void deliver(HealthEvent event) {
        HealthEvent.Type type = event.type();
        String address = event.endpoint().map(Endpoint::address).orElse("");
        Level level = type == HealthEvent.Type.EJECTED || type == HealthEvent.Type.DOWN
                || type == HealthEvent.Type.CIRCUIT_OPENED
                || type == HealthEvent.Type.PANIC_ENTERED ? Level.WARNING : Level.INFO;
        LOG.log(level, () -> "lbkit " + type + (address.isEmpty() ? "" : " " + address)
                + ": " + event.detail());
        HealthChangeEvent jfr = new HealthChangeEvent();
        if (jfr.isEnabled()) {
            jfr.type = type.name();
            jfr.endpoint = address;
            jfr.detail = event.detail();
            jfr.commit();
        }
        if (config.listener() != null) {
            try {
                config.listener().onEvent(event);
            } catch (RuntimeException | Error ex) { // even an Error: timers and events go on
                LOG.log(Level.WARNING, "health listener " + config.listener() + " failed", ex);
            }
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return scheduler.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.ERROR, "lbkit health task failed", e);
            } finally {
                deliverEvents(); // what the task published, now that the lock is released
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }
}
