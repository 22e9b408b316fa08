/**
 * Health settings of a {@link io.lbkit.LoadBalancer}: passive
 * {@linkplain io.lbkit.health.OutlierDetection outlier detection}, per-endpoint
 * {@linkplain io.lbkit.health.CircuitBreaker circuit breakers}, active
 * {@linkplain io.lbkit.health.HealthCheck health checks}, {@linkplain io.lbkit.health.SlowStart
 * slow start}, and the {@linkplain io.lbkit.health.HealthEvent events} they emit.
 *
 * <p>Everything here is immutable configuration; the balancer applies it when it rebuilds its
 * routing table, never on the pick path.
 */
package io.lbkit.health;
