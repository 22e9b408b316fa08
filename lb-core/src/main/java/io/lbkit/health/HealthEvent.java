package io.lbkit.health;

import static java.util.Objects.requireNonNull;

import io.lbkit.Endpoint;
import java.util.Optional;

/**
 * A health state change in a load balancer. Immutable.
 *
 * @param type what happened
 * @param endpoint the endpoint concerned; empty for balancer-wide events (panic)
 * @param detail a human-readable cause, for example {@code "5 consecutive failures"}
 */
public record HealthEvent(Type type, Optional<Endpoint> endpoint, String detail) {

    /** Validates the components. */
    public HealthEvent {
        requireNonNull(type, "type");
        requireNonNull(endpoint, "endpoint");
        requireNonNull(detail, "detail");
    }

    /** The kinds of change. */
    public enum Type {
        /** Active checks passed {@code rise} times in a row. */
        UP,
        /** Active checks failed {@code fall} times in a row. */
        DOWN,
        /** Outlier detection ejected the endpoint. */
        EJECTED,
        /** The ejection time passed. */
        RESTORED,
        CIRCUIT_OPENED,
        CIRCUIT_HALF_OPEN,
        CIRCUIT_CLOSED,
        /** Too few endpoints are healthy: the balancer now spreads calls over all of them. */
        PANIC_ENTERED,
        PANIC_LEFT
    }
}
