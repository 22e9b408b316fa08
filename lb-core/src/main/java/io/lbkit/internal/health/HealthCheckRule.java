package io.lbkit.internal.health;

import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Active health checks by {@link HealthCheck}: probes each endpoint every interval (with jitter),
 * marks it DOWN after {@code fall} failed checks in a row and UP after {@code rise} passing ones.
 * A probe that throws, fails or does not answer within the timeout is a failed check. Not
 * thread-safe: called under the balancer's lock, except that the probe itself runs holding no
 * lock ({@link RuleContext#scheduleUnlocked}) and its result is applied through
 * {@link RuleContext#apply}.
 */
public final class HealthCheckRule extends Rule<HealthCheck> {

    /** One endpoint's check state. Guarded by the balancer's lock. */
    static final class Checks {
        boolean down;
        int passes;
        int failures;
        ScheduledFuture<?> timer;
    }

    public HealthCheckRule(HealthCheck settings, RuleContext ctx) {
        super(settings, ctx);
    }

    /** A new endpoint starts UP and is probed at once. */
    public void joined(Member m) {
        m.checks = new Checks();
        m.checks.timer = ctx.scheduleUnlocked(m, () -> probe(m), 0);
    }

    public void left(Member m) {
        RuleContext.cancel(m.checks.timer);
    }

    /** Holding no lock: runs the probe and applies its result when it completes or times out. */
    private void probe(Member m) {
        CompletableFuture<Boolean> result;
        try {
            result = settings.probe().check(m.endpoint()).toCompletableFuture();
        } catch (RuntimeException | Error e) { // a plug-in's bug is a failed check, not ours
            result = CompletableFuture.failedFuture(e);
        }
        AtomicBoolean done = new AtomicBoolean();
        CompletableFuture<Boolean> pending = result;
        ScheduledFuture<?> timeout = ctx.scheduleUnlocked(m, () -> {
            if (done.compareAndSet(false, true)) {
                pending.cancel(true);
                ctx.apply(m, () -> probed(m, false, "no answer within " + settings.timeout()));
            }
        }, settings.timeout().toNanos());
        result.whenComplete((ok, error) -> {
            if (done.compareAndSet(false, true)) {
                timeout.cancel(false);
                boolean passed = error == null && Boolean.TRUE.equals(ok);
                String detail = error != null ? "probe failed: " + error
                        : passed ? "probe passed" : "probe answered unhealthy";
                ctx.apply(m, () -> probed(m, passed, detail));
            }
        });
    }

    /** Under the lock: counts one check and schedules the next. Returns whether UP/DOWN changed. */
    private boolean probed(Member m, boolean passed, String detail) {
        Checks c = m.checks;
        boolean changed = false;
        if (passed) {
            c.failures = 0;
            if (c.down && ++c.passes >= settings.rise()) {
                c.down = false;
                c.passes = 0;
                ctx.returned(m);
                ctx.emit(HealthEvent.Type.UP, m, settings.rise() + " checks passed");
                changed = true;
            }
        } else {
            c.passes = 0;
            if (!c.down && ++c.failures >= settings.fall()) {
                c.down = true;
                c.failures = 0;
                ctx.emit(HealthEvent.Type.DOWN, m,
                        settings.fall() + " checks failed; last: " + detail);
                changed = true;
            }
        }
        long interval = settings.interval().toNanos();
        long jitter = interval * settings.jitterPercent() / 100;
        long next = jitter == 0 ? interval
                : interval + ThreadLocalRandom.current().nextLong(-jitter, jitter + 1);
        c.timer = ctx.scheduleUnlocked(m, () -> probe(m), next);
        return changed;
    }
}
