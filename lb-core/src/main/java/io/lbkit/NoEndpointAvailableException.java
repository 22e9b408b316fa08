package io.lbkit;

import static java.util.Objects.requireNonNull;

/**
 * Thrown by {@link LoadBalancer#pick()} when no endpoint can take the call. The pick fails at
 * once; it never waits for an endpoint to appear. {@link #reason()} says why.
 */
public final class NoEndpointAvailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why no endpoint was available. */
    public enum Reason {
        /** The group has no endpoints: it is empty, or not ready yet (DNS not resolved). */
        EMPTY,
        /** The group has endpoints but none is eligible: all are down, ejected or open-circuit. */
        NONE_ELIGIBLE,
        /** Every eligible endpoint is at its in-flight cap. */
        AT_CAPACITY,
        /** The load balancer was closed. */
        CLOSED
    }

    private final Reason reason;

    /**
     * @param reason why no endpoint was available
     * @param message a description naming the balancer or group
     */
    public NoEndpointAvailableException(Reason reason, String message) {
        super(requireNonNull(message, "message"));
        this.reason = requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
