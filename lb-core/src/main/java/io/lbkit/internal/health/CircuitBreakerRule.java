package io.lbkit.internal.health;

import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.HealthEvent;
import java.util.concurrent.ScheduledFuture;

/**
 * The per-endpoint circuit breaker of {@link CircuitBreaker}: closed, open after {@code
 * failureThreshold} failures in a row, half-open after {@code openDuration} with an in-flight cap
 * of {@code trialCalls}; that many successes close it, any failure opens it again. Not
 * thread-safe: called under the balancer's lock (timers through {@link RuleContext#schedule}).
 */
public final class CircuitBreakerRule extends Rule<CircuitBreaker> {

    enum State { CLOSED, OPEN, HALF_OPEN }

    /** One endpoint's circuit. Guarded by the balancer's lock. */
    static final class Circuit {
        State state = State.CLOSED;
        int trialSuccesses;
        ScheduledFuture<?> timer;
    }

    public CircuitBreakerRule(CircuitBreaker settings, RuleContext ctx) {
        super(settings, ctx);
    }

    /** The failure streak at which reports must be passed to {@link #onFailure}. */
    public int streakThreshold() {
        return settings.failureThreshold();
    }

    public void joined(Member m) {
        m.circuit = new Circuit();
    }

    public void left(Member m) {
        RuleContext.cancel(m.circuit.timer);
    }

    /**
     * A report failed with {@code streak} failures in a row: opens a closed circuit at the
     * threshold, or reopens a half-open one. Returns whether the state changed.
     */
    public boolean onFailure(Member m, int streak) {
        Circuit c = m.circuit;
        if (c.state == State.HALF_OPEN) {
            open(m, "trial call failed");
            return true;
        }
        if (c.state == State.CLOSED && streak >= settings.failureThreshold()) {
            open(m, streak + " consecutive failures");
            return true;
        }
        return false;
    }

    /** A trial call succeeded: closes the circuit after {@code trialCalls} of them. */
    public boolean onTrialSuccess(Member m) {
        Circuit c = m.circuit;
        if (c.state != State.HALF_OPEN || ++c.trialSuccesses < settings.trialCalls()) {
            return false;
        }
        c.state = State.CLOSED;
        m.trial(false);
        m.resetFailureStreak();
        ctx.returned(m);
        ctx.emit(HealthEvent.Type.CIRCUIT_CLOSED, m, c.trialSuccesses + " trial calls passed");
        return true;
    }

    private void open(Member m, String why) {
        Circuit c = m.circuit;
        c.state = State.OPEN;
        m.trial(false);
        m.resetFailureStreak();
        RuleContext.cancel(c.timer);
        c.timer = ctx.schedule(m, () -> halfOpen(m), settings.openDuration().toNanos());
        ctx.emit(HealthEvent.Type.CIRCUIT_OPENED, m,
                why + "; half-open in " + settings.openDuration());
    }

    private boolean halfOpen(Member m) {
        Circuit c = m.circuit;
        if (c.state != State.OPEN) {
            return false;
        }
        c.state = State.HALF_OPEN;
        c.trialSuccesses = 0;
        m.trial(true);
        ctx.emit(HealthEvent.Type.CIRCUIT_HALF_OPEN, m,
                "up to " + settings.trialCalls() + " trial calls");
        return true;
    }
}
