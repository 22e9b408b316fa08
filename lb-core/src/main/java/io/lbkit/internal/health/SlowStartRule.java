package io.lbkit.internal.health;

import io.lbkit.health.SlowStart;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Slow start by {@link SlowStart}: an endpoint that joins a running balancer or returns to
 * rotation gets a weight that ramps up over the window; while any ramps, the table is rebuilt
 * every twentieth of the window (at least every 10 ms). Not thread-safe: called under the
 * balancer's lock (its tick through {@link RuleContext#schedule}).
 */
public final class SlowStartRule extends Rule<SlowStart> {

    /**
     * Weights are multiplied by this when slow start is on, so that a 10% ramp of weight 1
     * exists.
     */
    public static final int WEIGHT_SCALE = 100;

    /** One endpoint's ramp. Guarded by the balancer's lock. */
    static final class Ramp {
        /** When the ramp began, or {@link Long#MIN_VALUE} when the endpoint is not ramping. */
        long start = Long.MIN_VALUE;
    }

    /** The pending rebuild while endpoints ramp; guarded by the balancer's lock. */
    private ScheduledFuture<?> tick;

    public SlowStartRule(SlowStart settings, RuleContext ctx) {
        super(settings, ctx);
    }

    /** {@code ramp}: whether the endpoint starts ramping (it joined a running balancer). */
    public void joined(Member m, boolean ramp) {
        m.ramp = new Ramp();
        if (ramp) {
            start(m);
        }
    }

    /** The endpoint (re)enters rotation: its weight ramps from the minimum. */
    public void start(Member m) {
        m.ramp.start = ctx.now();
    }

    public void close() {
        RuleContext.cancel(tick);
    }

    /**
     * From a rebuild: {@code weight} (already scaled by {@link #WEIGHT_SCALE}) reduced while the
     * endpoint ramps, at least 1; ends ramps that are complete.
     */
    public int effectiveWeight(Member m, int weight, long now) {
        Ramp r = m.ramp;
        if (r.start == Long.MIN_VALUE) {
            return weight;
        }
        double f = settings.factor(now - r.start);
        if (f >= 1.0) {
            r.start = Long.MIN_VALUE;
            return weight;
        }
        return Math.max(1, (int) Math.round(weight * f));
    }

    /** The share of its weight the endpoint receives now, 1..100. */
    public int weightPercent(Member m, long now) {
        Ramp r = m.ramp;
        if (r.start == Long.MIN_VALUE) {
            return 100;
        }
        return (int) Math.max(1, Math.min(100, Math.round(100 * settings.factor(now - r.start))));
    }

    /** From a rebuild that left endpoints ramping: rebuild again soon. */
    public void rampPending() {
        if (tick == null) {
            long delay = Math.max(TimeUnit.MILLISECONDS.toNanos(10),
                    settings.window().toNanos() / 20);
            tick = ctx.schedule(null, () -> {
                tick = null;
                return true;
            }, delay);
        }
    }
}
