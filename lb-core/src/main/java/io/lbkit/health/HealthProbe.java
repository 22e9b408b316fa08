package io.lbkit.health;

import io.lbkit.Endpoint;
import java.util.concurrent.CompletionStage;

/**
 * Checks whether one endpoint can serve: the pluggable part of an active {@link HealthCheck}.
 * Implementations must be thread-safe and should not block the calling thread.
 *
 * <p>A probe answers {@code true} (healthy) or {@code false}. A stage that completes
 * exceptionally, a probe that throws, and a stage still pending when the check's timeout expires
 * all count as a failed check. The HTTP and gRPC adapters provide probes of their protocols.
 */
@FunctionalInterface
public interface HealthProbe {

    /** Starts one check of {@code endpoint}; the stage completes with its result. */
    CompletionStage<Boolean> check(Endpoint endpoint);

    /**
     * A probe that opens a TCP connection to the endpoint and closes it: healthy if the connection
     * is accepted. Uses the JDK's asynchronous socket channels; no thread waits on a connect.
     */
    static HealthProbe tcp() {
        return TcpProbe.INSTANCE;
    }

    /** A probe that always answers {@code result}; for tests and to pin endpoints up or down. */
    static HealthProbe constant(boolean result) {
        return endpoint -> java.util.concurrent.CompletableFuture.completedFuture(result);
    }
}
