package io.lbkit.internal.health;

import io.lbkit.Endpoint;
import io.lbkit.health.HealthStatus;

/**
 * One endpoint as the health rules see it: the state each rule keeps for it, and the signals the
 * balancer gives them (its outcome counters and failure streak). Guarded by the balancer's lock:
 * every method is called holding it, except {@link #endpoint()}, which a probe reads without it
 * (the balancer's endpoint field is volatile).
 *
 * <p>Each rule owns its slot: {@link OutlierDetectionRule} the ejection, {@link CircuitBreakerRule}
 * the circuit, {@link HealthCheckRule} the checks, {@link SlowStartRule} the ramp. A slot is
 * created when the endpoint joins and the rule is on, and is read and written by that rule only;
 * the balancer reads the verdicts through the queries here ({@link #eligible()},
 * {@link #status()}). The balancer subclasses this once, as an adapter over its own per-endpoint
 * state, and implements the signals.
 */
public abstract class Member {

    /** Set by the outlier rule when on. */
    OutlierDetectionRule.Ejection ejection;
    /** Set by the circuit breaker when on. */
    CircuitBreakerRule.Circuit circuit;
    /** Set by the active checks when on. */
    HealthCheckRule.Checks checks;
    /** Set by slow start when on. */
    SlowStartRule.Ramp ramp;
    private boolean removed;

    /** For the balancer's subclass. */
    protected Member() {}

    // ---- signals, implemented by the balancer -----------------------------------------------

    /** The endpoint as last published by the group. */
    protected abstract Endpoint endpoint();

    /** Calls reported successful since the endpoint joined, modulo 2^32. */
    protected abstract long successes();

    /** Calls reported failed since the endpoint joined. */
    protected abstract long failures();

    /** Whether the endpoint's recent calls say it is failing now (its failure score). */
    protected abstract boolean failing(long now);

    /** Whether it has failed every call reported since at least {@code nanos} ago. */
    protected abstract boolean failingFor(long nanos, long now);

    /** Starts a new failure streak, after a transition that judged the old one. */
    protected abstract void resetFailureStreak();

    /** Whether reports must pass successes to the circuit breaker (the circuit is half-open). */
    protected abstract void trial(boolean on);

    // ---- verdicts, read by the balancer -----------------------------------------------------

    /** The endpoint left the group (or the balancer closed): its rules' timers do nothing now. */
    public final void markRemoved() {
        removed = true;
        if (circuit != null) {
            trial(false);
        }
    }

    public final boolean removed() {
        return removed;
    }

    /** In the routing table: not DOWN, not ejected, circuit not open. */
    public final boolean eligible() {
        return !down() && !ejected() && !circuitOpen();
    }

    public final boolean ejected() {
        return ejection != null && ejection.ejected;
    }

    public final boolean circuitOpen() {
        return circuit != null && circuit.state == CircuitBreakerRule.State.OPEN;
    }

    /** The circuit is half-open: in the table with an in-flight cap of the trial calls. */
    public final boolean halfOpen() {
        return circuit != null && circuit.state == CircuitBreakerRule.State.HALF_OPEN;
    }

    public final boolean down() {
        return checks != null && checks.down;
    }

    /** Slow start has not yet given the endpoint its full weight. */
    public final boolean ramping() {
        return ramp != null && ramp.start != Long.MIN_VALUE;
    }

    /** Ejections since the endpoint joined. */
    public final long ejections() {
        return ejection == null ? 0 : ejection.count;
    }

    /** The status shown in stats: DOWN before EJECTED before the circuit's state. */
    public final HealthStatus status() {
        if (down()) {
            return HealthStatus.DOWN;
        }
        if (ejected()) {
            return HealthStatus.EJECTED;
        }
        if (circuitOpen()) {
            return HealthStatus.CIRCUIT_OPEN;
        }
        return halfOpen() ? HealthStatus.CIRCUIT_HALF_OPEN : HealthStatus.HEALTHY;
    }
}
