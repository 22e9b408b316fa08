package io.lbkit.internal.health;

import io.lbkit.LoadBalancer;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.OutlierDetection;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * Passive outlier ejection by {@link OutlierDetection}: the consecutive-failure detector on
 * reports, the success-rate and failure-percentage detectors every interval, ejection with a
 * growing back-off, and the ejection cap with its exception for endpoints whose fault is their
 * own. Not thread-safe: called under the balancer's lock (timers through
 * {@link RuleContext#schedule}).
 */
public final class OutlierDetectionRule extends Rule<OutlierDetection> {

    private static final System.Logger LOG = System.getLogger(LoadBalancer.class.getName());

    /**
     * 1 s: beyond the ejection cap, only an endpoint that has failed every call for this long is
     * ejected. An overloaded endpoint still completes calls between its timeouts; ejecting it
     * beyond the cap would move its load onto the rest and could cascade (the simulator's
     * capacity and rolling-deploy scenarios do exactly that). A down, hanging, refusing or
     * erroring endpoint completes none.
     */
    static final long HARD_FAILURE_NANOS = 1_000_000_000L;

    /** One endpoint's ejection state. Guarded by the balancer's lock. */
    static final class Ejection {
        boolean ejected;
        /**
         * Grows by one per ejection, shrinks by one per whole interval spent healthy: at an
         * interval tick at least one interval after the restore or the last step down.
         */
        int multiplier;
        /** When the endpoint was last restored, or its multiplier last shrank (ticker nanos). */
        long healthySince;
        /** Ejections since the endpoint joined, for stats. */
        long count;
        ScheduledFuture<?> restoreTimer;
        /** The outcome counters at the last interval. */
        long intervalSuccesses;
        long intervalFailures;
    }

    /** Guarded by the balancer's lock. */
    private ScheduledFuture<?> intervalTimer;

    public OutlierDetectionRule(OutlierDetection settings, RuleContext ctx) {
        super(settings, ctx);
    }

    /** Whether any detector is on. */
    public boolean isEnabled() {
        return settings.isEnabled();
    }

    /** The failure streak at which reports must be passed to {@link #onFailure}; 0: never. */
    public int streakThreshold() {
        return settings.consecutiveFailures();
    }

    /** Starts the periodic interval. Call once. */
    public void start() {
        if (settings.isEnabled()) {
            intervalTimer = ctx.schedule(null, this::onInterval, settings.interval().toNanos());
        }
    }

    /** Stops the interval (members' timers stop with {@link #left}). */
    public void close() {
        RuleContext.cancel(intervalTimer);
    }

    public void joined(Member m) {
        m.ejection = new Ejection();
    }

    public void left(Member m) {
        RuleContext.cancel(m.ejection.restoreTimer);
    }

    /** A report failed with {@code streak} failures in a row. Returns whether it ejected. */
    public boolean onFailure(Member m, int streak) {
        int n = settings.consecutiveFailures();
        return n > 0 && streak >= n && eject(m, streak + " consecutive failures");
    }

    /**
     * Ejects unless already ejected, or the ejection cap is reached and the endpoint is not
     * hard-failing ({@link #HARD_FAILURE_NANOS}) while the endpoints left in rotation show that
     * the fault is its own (see {@link #othersVouch}).
     */
    private boolean eject(Member m, String why) {
        Ejection e = m.ejection;
        if (e.ejected) {
            return false;
        }
        Collection<? extends Member> all = ctx.members();
        int ejected = 0;
        for (Member o : all) {
            if (o.ejected()) {
                ejected++;
            }
        }
        int max = Math.max(1, all.size() * settings.maxEjectionPercent() / 100);
        if (ejected >= max && !(m.failingFor(HARD_FAILURE_NANOS, ctx.now())
                && othersVouch(m, all))) {
            LOG.log(Level.DEBUG, () -> "not ejecting " + m.endpoint().address() + " (" + why
                    + "): " + max + " of " + all.size() + " endpoints ejected already, and it"
                    + " has not failed every call for 1 s while most of the rest work");
            return false;
        }
        e.ejected = true;
        e.count++;
        e.multiplier++;
        m.resetFailureStreak();
        long nanos = Math.min(settings.baseEjectionTime().toNanos() * e.multiplier,
                settings.maxEjectionTime().toNanos());
        RuleContext.cancel(e.restoreTimer);
        e.restoreTimer = ctx.schedule(m, () -> restore(m), nanos);
        ctx.emit(HealthEvent.Type.EJECTED, m, why + "; for " + Duration.ofNanos(nanos));
        return true;
    }

    /**
     * Whether the endpoints that would stay in rotation without {@code m} show that its failures
     * are its own, so it may be ejected beyond the cap: at least one of them is working (not
     * {@linkplain Member#failing known to be failing}) and the working ones are at least as many
     * as the failing ones. The cap exists for faults that are not the endpoints' (a client-side
     * problem, a shared dependency, overload): then most endpoints fail alike and this refuses;
     * when a minority fails while the rest succeed, they are ejected however many they are.
     */
    private boolean othersVouch(Member m, Collection<? extends Member> all) {
        long now = ctx.now();
        int working = 0;
        int failing = 0;
        for (Member o : all) {
            if (o == m || !o.eligible()) {
                continue;
            }
            if (o.failing(now)) {
                failing++;
            } else {
                working++;
            }
        }
        return working >= 1 && working >= failing;
    }

    private boolean restore(Member m) {
        Ejection e = m.ejection;
        if (!e.ejected) {
            return false;
        }
        e.ejected = false;
        e.healthySince = ctx.now();
        m.resetFailureStreak();
        ctx.returned(m);
        ctx.emit(HealthEvent.Type.RESTORED, m, "ejection time passed");
        return true;
    }

    /** Every interval: the rate detectors; ejection multipliers shrink for healthy endpoints. */
    private boolean onInterval() {
        List<Sample> samples = new ArrayList<>();
        long now = ctx.now();
        long interval = settings.interval().toNanos();
        for (Member m : ctx.members()) {
            Ejection e = m.ejection;
            long ok = m.successes();
            long bad = m.failures();
            long dOk = (ok - e.intervalSuccesses) & 0xFFFF_FFFFL; // successes wrap at 2^32
            long dBad = bad - e.intervalFailures;
            e.intervalSuccesses = ok;
            e.intervalFailures = bad;
            // A restore just before a tick is not an interval spent healthy: a flapping endpoint
            // keeps its growing ejection time. An eighth of slack, so that a ticker a little
            // behind the scheduler's clock (coarse or cached) still steps down once per tick.
            if (!e.ejected && e.multiplier > 0
                    && now - e.healthySince >= interval - interval / 8) {
                e.multiplier--;
                e.healthySince = now;
            }
            if (!e.ejected && dOk + dBad > 0) {
                samples.add(new Sample(m, dOk + dBad, (double) dOk / (dOk + dBad)));
            }
        }
        boolean changed = successRate(samples) | failurePercentage(samples);
        intervalTimer = ctx.schedule(null, this::onInterval, interval);
        return changed;
    }

    /** A not-ejected endpoint with calls this interval, for the rate detectors. */
    private record Sample(Member member, long calls, double successRate) {}

    /**
     * The samples a rate detector judges: those with at least {@code volume} calls, if the
     * detector is on and at least {@code minimumHosts} of them have; else none.
     */
    private static List<Sample> judged(List<Sample> samples, boolean on, int volume,
            int minimumHosts) {
        List<Sample> judged = new ArrayList<>();
        if (on) {
            for (Sample x : samples) {
                if (x.calls() >= volume) {
                    judged.add(x);
                }
            }
        }
        return judged.size() < minimumHosts ? List.of() : judged;
    }

    private boolean successRate(List<Sample> samples) {
        double factor = settings.successRateStdevFactor();
        List<Sample> judged = judged(samples, factor != 0, settings.successRateRequestVolume(),
                settings.successRateMinimumHosts());
        if (judged.isEmpty()) {
            return false;
        }
        double sum = 0;
        double sumSq = 0;
        for (Sample x : judged) {
            sum += x.successRate();
            sumSq += x.successRate() * x.successRate();
        }
        int hosts = judged.size();
        double mean = sum / hosts;
        double stdev = Math.sqrt(Math.max(0, sumSq / hosts - mean * mean));
        double threshold = mean - factor * stdev;
        boolean changed = false;
        for (Sample x : judged) {
            if (x.successRate() < threshold) {
                changed |= eject(x.member(), String.format(
                        "success rate %.1f%% below %.1f%% (mean %.1f%% - %.2f stdev)",
                        100 * x.successRate(), 100 * threshold, 100 * mean, factor));
            }
        }
        return changed;
    }

    private boolean failurePercentage(List<Sample> samples) {
        int threshold = settings.failurePercentageThreshold();
        boolean changed = false;
        for (Sample x : judged(samples, threshold != 0, settings.failurePercentageRequestVolume(),
                settings.failurePercentageMinimumHosts())) {
            double failedPercent = 100 * (1 - x.successRate());
            if (failedPercent >= threshold) {
                changed |= eject(x.member(), String.format(
                        "%.1f%% of %d calls failed (threshold %d%%)", failedPercent, x.calls(),
                        threshold));
            }
        }
        return changed;
    }
}
