package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.Endpoint;
import io.lbkit.health.HealthProbe;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A {@link HealthProbe} speaking the standard {@code grpc.health.v1.Health/Check} protocol.
 * Thread-safe; a check blocks no thread.
 *
 * <p>Healthy when the server answers {@code SERVING}. Like grpc's own client-side health checking
 * (gRFC A17), a server that does not implement the health service ({@code UNIMPLEMENTED}) counts
 * as healthy, with a warning logged once per probe: health checking cannot judge it. Any other
 * answer ({@code NOT_SERVING}, {@code SERVICE_UNKNOWN}, an error status, the deadline) is
 * unhealthy.
 *
 * <p>The lbkit policy uses this probe for servers that do not implement {@code Health/Watch} (see
 * {@link HealthWatch}); it is also the probe {@link LbkitGrpc#healthProbe} gives to lbkit
 * balancers outside grpc.
 */
final class GrpcHealthProbe implements HealthProbe {

    private static final System.Logger LOG = System.getLogger(GrpcHealthProbe.class.getName());

    private final String service;
    private final byte[] request;
    private final Duration timeout;
    private final Function<Endpoint, Channel> channels;
    private volatile boolean warnedUnimplemented;

    /**
     * @param service the service name to ask about; {@code ""} for the server as a whole
     * @param timeout the deadline of each check
     * @param channels the channel to each endpoint; may return null when there is none (the
     *     check then fails)
     */
    GrpcHealthProbe(String service, Duration timeout, Function<Endpoint, Channel> channels) {
        this.service = requireNonNull(service, "service");
        this.request = HealthProtocol.encodeRequest(service);
        this.timeout = requireNonNull(timeout, "timeout");
        this.channels = requireNonNull(channels, "channels");
    }

    @Override
    public CompletionStage<Boolean> check(Endpoint endpoint) {
        Channel channel = channels.apply(endpoint);
        if (channel == null) {
            return CompletableFuture.completedFuture(false);
        }
        return check(endpoint, channel);
    }

    /** Checks {@code endpoint} on {@code channel}, whatever {@code channels} maps it to. */
    CompletionStage<Boolean> check(Endpoint endpoint, Channel channel) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = channel.newCall(HealthProtocol.CHECK,
                CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS));
        call.start(new ClientCall.Listener<>() {
            private long status = -1;

            @Override
            public void onMessage(byte[] message) {
                status = HealthProtocol.servingStatus(message);
            }

            @Override
            public void onClose(Status s, Metadata trailers) {
                if (s.getCode() == Status.Code.UNIMPLEMENTED) {
                    if (!warnedUnimplemented) {
                        warnedUnimplemented = true;
                        LOG.log(Level.WARNING, endpoint + " does not implement grpc.health.v1;"
                                + " health checking treats it as healthy");
                    }
                    result.complete(true);
                } else {
                    result.complete(s.isOk() && status == HealthProtocol.SERVING);
                }
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(request);
        call.halfClose();
        return result;
    }

    @Override
    public String toString() {
        return "grpc.health.v1 probe of \"" + service + "\"";
    }
}
