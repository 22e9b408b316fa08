/**
 * Micrometer {@link io.micrometer.core.instrument.binder.MeterBinder}s for lbkit; the meters,
 * their tags and what to alert on are listed in {@code docs/metrics.md}.
 */
package io.lbkit.micrometer;
