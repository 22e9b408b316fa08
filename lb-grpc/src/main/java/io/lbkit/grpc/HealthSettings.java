package io.lbkit.grpc;

import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthProbe;
import java.time.Duration;
import java.util.function.Function;

/**
 * The {@code healthCheck} object of the {@code lbkit} policy config: the service name its
 * {@code Watch} streams and {@code Check} polls ask about, and the timing of the polling.
 * Immutable. The probe is bound per policy instance (it needs that policy's subchannels), so the
 * check is built there, from the timing {@link PolicyConfigParser} read.
 */
final class HealthSettings {

    private final String serviceName;
    private final Function<HealthProbe, HealthCheck> check;

    /** {@code check} builds the configured check for a probe; it throws on a bad field. */
    HealthSettings(String serviceName, Function<HealthProbe, HealthCheck> check) {
        this.serviceName = serviceName;
        this.check = check;
    }

    /** The {@code grpc.health.v1} service name to ask about; "" (the default): the server. */
    String serviceName() {
        return serviceName;
    }

    /** The check's timeout (the core's default, 1 s, when not configured). */
    Duration timeout() {
        return build(HealthProbe.constant(true)).timeout();
    }

    HealthCheck build(HealthProbe probe) {
        return check.apply(probe);
    }
}
