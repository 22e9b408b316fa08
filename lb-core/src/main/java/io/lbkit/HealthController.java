package io.lbkit;

import io.lbkit.health.HealthEvent;
import io.lbkit.internal.SerialQueue;
import io.lbkit.internal.health.CircuitBreakerRule;
import io.lbkit.internal.health.HealthCheckRule;
import io.lbkit.internal.health.Member;
import io.lbkit.internal.health.OutlierDetectionRule;
import io.lbkit.internal.health.RuleContext;
import io.lbkit.internal.health.SlowStartRule;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The coordinator of one balancer's health rules: it runs the rules of
 * {@code io.lbkit.internal.health} (outlier ejection, circuit breaker, active checks, slow start)
 * in a fixed order under the balancer's lock, rebuilds the routing table after a change, and
 * delivers the events. Thread-safe: every entry point takes the balancer's lock. Nothing here runs
 * on the pick path.
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
final class HealthController implements RuleContext {

    private static final System.Logger LOG = System.getLogger(LoadBalancer.class.getName());

    private final DefaultLoadBalancer lb;
    private final Object lock;
    private final Ticker ticker;
    private final ScheduledExecutorService scheduler;
    private final BalancerConfig config;
    // The rules, in the order they see a failure; null when off.
    private final CircuitBreakerRule breaker;
    private final OutlierDetectionRule outlier;
    private final HealthCheckRule check;
    private final SlowStartRule slowStart;

    /** The failure streak at which a report must call {@link #onFailure}. */
    final int streakThreshold;

    /** Events not yet tied to a change. Guarded by {@link #lock}. */
    private final List<HealthEvent> pendingEvents = new ArrayList<>();
    /**
     * Events tied to a change, in order, waiting for a table that reflects it; each with the
     * change count it needs. Guarded by {@link #lock}.
     */
    private final ArrayDeque<Tagged> tagged = new ArrayDeque<>();
    /** Published events waiting for delivery outside the lock, in order. */
    private final SerialQueue deliveries = new SerialQueue(LOG, "health listener");
    /** Guarded by {@link #lock}. */
    private boolean closed;

    HealthController(DefaultLoadBalancer lb, Object lock, BalancerConfig config) {
        this.lb = lb;
        this.lock = lock;
        this.config = config;
        this.ticker = config.ticker();
        this.scheduler = config.scheduler();
        this.breaker = config.circuitBreaker() == null ? null
                : new CircuitBreakerRule(config.circuitBreaker(), this);
        this.outlier = config.outlierDetection().isEnabled()
                ? new OutlierDetectionRule(config.outlierDetection(), this) : null;
        this.check = config.healthCheck() == null ? null
                : new HealthCheckRule(config.healthCheck(), this);
        this.slowStart = config.slowStart() == null ? null
                : new SlowStartRule(config.slowStart(), this);
        int t = Integer.MAX_VALUE;
        if (outlier != null && outlier.streakThreshold() > 0) {
            t = outlier.streakThreshold();
        }
        if (breaker != null) {
            t = Math.min(t, breaker.streakThreshold());
        }
        this.streakThreshold = t;
    }

    /** Whether reports need to reach this controller at all. */
    boolean passive() {
        return outlier != null || breaker != null;
    }

    /** Starts the periodic outlier interval. Call once, under the lock. */
    void start() {
        if (outlier != null) {
            outlier.start();
        }
    }

    // ---- membership ------------------------------------------------------------------------

    /** Under the lock: endpoints joined ({@code initial}: the balancer's first snapshot). */
    void joined(Collection<EndpointState> added, boolean initial) {
        for (EndpointState s : added) {
            Tracked m = new Tracked(s);
            s.rules = m;
            if (breaker != null) {
                breaker.joined(m);
            }
            if (outlier != null) {
                outlier.joined(m);
            }
            if (slowStart != null) {
                slowStart.joined(m, !initial);
            }
            if (check != null) {
                check.joined(m);
            }
        }
    }

    /** Under the lock: endpoints left the group. */
    void left(Collection<EndpointState> removed) {
        for (EndpointState s : removed) {
            Member m = s.rules;
            m.markRemoved();
            if (breaker != null) {
                breaker.left(m);
            }
            if (outlier != null) {
                outlier.left(m);
            }
            if (check != null) {
                check.left(m);
            }
        }
    }

    /** Stops every timer; tasks already running see {@code closed} and do nothing. */
    void close() {
        synchronized (lock) {
            closed = true;
            if (outlier != null) {
                outlier.close();
            }
            if (slowStart != null) {
                slowStart.close();
            }
            left(lb.statesLocked());
        }
    }

    // ---- reports: outlier detection and circuit breaking -----------------------------------

    /** A report crossed the streak threshold, or failed while half-open. */
    void onFailure(EndpointState s, int streak) {
        Member m = s.rules;
        apply(m, () -> {
            // The breaker first: a half-open trial's failure reopens the circuit, whatever the
            // outlier rule then decides.
            boolean changed = breaker != null && breaker.onFailure(m, streak);
            if (outlier != null) {
                changed |= outlier.onFailure(m, streak);
            }
            return changed;
        });
    }

    /** A success while half-open. */
    void onTrialSuccess(EndpointState s) {
        Member m = s.rules;
        apply(m, () -> breaker.onTrialSuccess(m));
    }

    // ---- the table build: weights, caps, stats -----------------------------------------------

    /**
     * Under the lock, from a rebuild: the endpoint's effective weight now (its weight scaled by
     * {@link SlowStartRule#WEIGHT_SCALE} when slow start is on, reduced while it ramps); ends
     * ramps that are complete.
     */
    int effectiveWeight(EndpointState s, long now) {
        if (slowStart == null) {
            return s.endpoint().weight();
        }
        int scaled = s.endpoint().weight() * SlowStartRule.WEIGHT_SCALE;
        return slowStart.effectiveWeight(s.rules, scaled, now);
    }

    /** Under the lock, from a rebuild that left endpoints ramping: rebuild again soon. */
    void rampPending() {
        if (!closed) {
            try {
                slowStart.rampPending();
            } catch (RejectedExecutionException e) {
                // The user's scheduler was shut down before the balancer: the table is
                // published; only the ramp's next step is lost.
                LOG.log(Level.WARNING, "lbkit slow start: the scheduler refused the next ramp"
                        + " step; endpoints stay at their current weight", e);
            }
        }
    }

    /** Under the lock: the endpoint's stats, with what its rules say. */
    EndpointStats stats(EndpointState s, long now) {
        Member m = s.rules;
        return s.stats(m.status(), slowStart == null ? 100 : slowStart.weightPercent(m, now),
                m.ejections());
    }

    // ---- RuleContext: what the rules call ------------------------------------------------------

    @Override
    public long now() {
        return ticker.read();
    }

    @Override
    public Collection<? extends Member> members() {
        Collection<EndpointState> states = lb.statesLocked();
        List<Member> members = new ArrayList<>(states.size());
        for (EndpointState s : states) {
            members.add(s.rules);
        }
        return members;
    }

    @Override
    public void returned(Member m) {
        if (slowStart != null) {
            slowStart.start(m);
        }
    }

    /**
     * Under the lock: queues an event. Events are delivered by {@link #flushEvents} once the
     * routing table reflects them, so a listener that picks on an event sees the new table.
     *
     * @param m the endpoint concerned, null for a balancer-wide event (panic)
     */
    @Override
    public void emit(HealthEvent.Type type, Member m, String detail) {
        Endpoint e = m == null ? null : ((Tracked) m).state.endpoint();
        pendingEvents.add(new HealthEvent(type, Optional.ofNullable(e), detail));
    }

    @Override
    public ScheduledFuture<?> schedule(Member m, BooleanSupplier change, long delayNanos) {
        return scheduler.schedule(() -> apply(m, change), delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public ScheduledFuture<?> scheduleUnlocked(Member m, Runnable task, long delayNanos) {
        return scheduler.schedule(() -> {
            try {
                synchronized (lock) {
                    if (closed || m.removed()) {
                        return;
                    }
                }
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.ERROR, "lbkit health task failed", e);
            } finally {
                deliverEvents();
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void apply(Member m, BooleanSupplier change) {
        try {
            synchronized (lock) {
                if (closed || (m != null && m.removed()) || !change.getAsBoolean()) {
                    return;
                }
                lb.changedLocked();
            }
            lb.publish(false); // builds outside the lock; returns at once if another thread is
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "lbkit health task failed", e);
        } finally {
            deliverEvents(); // what the change published, now that the lock is released
        }
    }

    // ---- events ----------------------------------------------------------------------------

    /**
     * Under the lock, when a change was recorded (or a table planned) with this change count:
     * the events queued so far describe it, so they wait for a table that reflects it.
     */
    void tagEvents(long version) {
        for (HealthEvent event : pendingEvents) {
            tagged.add(new Tagged(version, event));
        }
        pendingEvents.clear();
    }

    /**
     * Under the lock, after a table reflecting the changes up to {@code version} was published:
     * queues their events for delivery by {@link #deliverEvents()}, in order.
     */
    void flushEvents(long version) {
        Tagged t;
        while ((t = tagged.peek()) != null && t.version <= version) {
            tagged.poll();
            HealthEvent event = t.event;
            deliveries.enqueue(() -> deliver(event));
        }
    }

    /** An event and the change count a table must reflect before it is delivered. */
    private record Tagged(long version, HealthEvent event) {}

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

    /** One endpoint's state as its health rules see it: the rules' slots and its signals. */
    private static final class Tracked extends Member {
        final EndpointState state;

        Tracked(EndpointState state) {
            this.state = state;
        }

        @Override
        protected Endpoint endpoint() {
            return state.endpoint();
        }

        @Override
        protected long successes() {
            return state.successes();
        }

        @Override
        protected long failures() {
            return state.failures();
        }

        @Override
        protected boolean failing(long now) {
            return FailureScore.failing(state.failureScore(now));
        }

        @Override
        protected boolean failingFor(long nanos, long now) {
            return state.failingFor(nanos, now);
        }

        @Override
        protected void resetFailureStreak() {
            state.resetFailureStreak();
        }

        @Override
        protected void trial(boolean on) {
            state.trial = on;
        }
    }
}
