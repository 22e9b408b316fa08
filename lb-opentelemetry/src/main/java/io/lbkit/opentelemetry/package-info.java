/**
 * OpenTelemetry metrics for lbkit, {@link io.lbkit.opentelemetry.LbkitTelemetry}; the
 * instruments, their attributes and what to alert on are listed in {@code docs/metrics.md}.
 */
package io.lbkit.opentelemetry;
