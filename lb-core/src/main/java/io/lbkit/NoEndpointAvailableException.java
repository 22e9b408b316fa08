package io.lbkit;

import static java.util.Objects.requireNonNull;

/**
 * Thrown by {@link LoadBalancer#pick()} when no endpoint can take the call. The pick fails at
 * once; it never waits for an endpoint to appear. {@link #reason()} says why.
 *
 * <p>A failed pick costs about what a successful one does, because failing fast is how a
 * balancer sheds load ({@link Reason#AT_CAPACITY}) and how a {@link TrafficSplit} falls back:
 * the exceptions the balancer throws are made once per routing table and reason, without a
 * stack trace (the message names the group; the stack would only show the pick), and the same
 * instance is thrown by every pick that fails the same way until the table changes. They are
 * immutable: {@link #addSuppressed} and {@link #setStackTrace} do nothing on them, so attach
 * context by wrapping instead ({@code new IOException("...", e)}). Instances made with the
 * public constructor behave as any exception.
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

    /**
     * The balancer's shared, immutable form: no stack trace, no suppressed exceptions, no cause.
     *
     * @param shared marks this constructor; always true
     */
    NoEndpointAvailableException(Reason reason, String message, boolean shared) {
        super(requireNonNull(message, "message"), null, false, false);
        this.reason = requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
