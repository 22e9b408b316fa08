package io.lbkit.health;

/** An endpoint's health as its balancer sees it. */
public enum HealthStatus {
    /** Eligible for calls. */
    HEALTHY,
    /** Failed its active health checks ({@code fall} in a row); out until {@code rise} pass. */
    DOWN,
    /** Ejected by outlier detection until its ejection time has passed. */
    EJECTED,
    /** Its circuit breaker is open. */
    CIRCUIT_OPEN,
    /** Its circuit breaker lets a few trial calls through. */
    CIRCUIT_HALF_OPEN
}
