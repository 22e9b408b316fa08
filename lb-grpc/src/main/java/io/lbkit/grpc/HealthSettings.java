package io.lbkit.grpc;

import static io.lbkit.grpc.ConfigJson.checked;
import static io.lbkit.grpc.ConfigJson.durationField;
import static io.lbkit.grpc.ConfigJson.intField;

import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthProbe;
import java.time.Duration;
import java.util.Map;

/**
 * The {@code healthCheck} object of the {@code lbkit} policy config: the service name its
 * {@code Watch} streams and {@code Check} polls ask about, and the timing of the polling.
 * Immutable. The probe is bound per policy instance (it needs that policy's subchannels), so the
 * check is built there.
 */
final class HealthSettings {

    private final String serviceName;
    private final Map<String, ?> json;

    HealthSettings(String serviceName, Map<String, ?> json) {
        this.serviceName = serviceName;
        this.json = json;
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
        String at = "healthCheck";
        HealthCheck.Builder b = HealthCheck.builder(probe);
        durationField(at, json, "interval", b::interval);
        durationField(at, json, "timeout", b::timeout);
        intField(at, json, "rise", b::rise);
        intField(at, json, "fall", b::fall);
        intField(at, json, "jitterPercent", b::jitterPercent);
        return checked(at, b::build);
    }
}
