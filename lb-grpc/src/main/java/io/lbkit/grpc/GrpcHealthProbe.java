package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.lbkit.Endpoint;
import io.lbkit.health.HealthProbe;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
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
 * <p>The two messages are encoded by hand (one string field, one enum field), so the probe needs
 * neither protobuf nor grpc-services.
 */
final class GrpcHealthProbe implements HealthProbe {

    private static final System.Logger LOG = System.getLogger(GrpcHealthProbe.class.getName());

    /** HealthCheckResponse.ServingStatus.SERVING. */
    private static final long SERVING = 1;

    static final MethodDescriptor<byte[], byte[]> CHECK =
            MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("grpc.health.v1.Health/Check")
                    .setRequestMarshaller(BytesMarshaller.INSTANCE)
                    .setResponseMarshaller(BytesMarshaller.INSTANCE)
                    .setIdempotent(true)
                    .build();

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
        this.request = encodeRequest(service);
        this.timeout = requireNonNull(timeout, "timeout");
        this.channels = requireNonNull(channels, "channels");
    }

    @Override
    public CompletionStage<Boolean> check(Endpoint endpoint) {
        Channel channel = channels.apply(endpoint);
        if (channel == null) {
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = channel.newCall(CHECK,
                CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS));
        call.start(new ClientCall.Listener<>() {
            private long status = -1;

            @Override
            public void onMessage(byte[] message) {
                status = servingStatus(message);
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
                    result.complete(s.isOk() && status == SERVING);
                }
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(request);
        call.halfClose();
        return result;
    }

    /** HealthCheckRequest: field 1 (service), a length-delimited string; omitted when empty. */
    static byte[] encodeRequest(String service) {
        byte[] name = service.getBytes(StandardCharsets.UTF_8);
        if (name.length == 0) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(name.length + 6);
        out.write(0x0A); // field 1, wire type 2
        writeVarint(out, name.length);
        out.write(name, 0, name.length);
        return out.toByteArray();
    }

    /** HealthCheckResponse: field 1 (status), a varint enum; absent means 0 (UNKNOWN). */
    static long servingStatus(byte[] message) {
        int[] pos = {0};
        long status = 0;
        while (pos[0] < message.length) {
            long tag = readVarint(message, pos);
            if (tag < 0) {
                return -1;
            }
            int wire = (int) (tag & 7);
            if (tag >>> 3 == 1 && wire == 0) {
                status = readVarint(message, pos);
            } else if (wire == 0) {
                readVarint(message, pos);
            } else if (wire == 1) {
                pos[0] += 8;
            } else if (wire == 2) {
                long length = readVarint(message, pos);
                if (length < 0 || length > message.length) {
                    return -1;
                }
                pos[0] += (int) length;
            } else if (wire == 5) {
                pos[0] += 4;
            } else {
                return -1; // groups or garbage: not a health response
            }
        }
        return status;
    }

    private static void writeVarint(ByteArrayOutputStream out, int value) {
        int v = value;
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
    }

    private static long readVarint(byte[] b, int[] pos) {
        long result = 0;
        for (int shift = 0; shift < 64 && pos[0] < b.length; shift += 7) {
            byte x = b[pos[0]++];
            result |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return result;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "grpc.health.v1 probe of \"" + service + "\"";
    }

    /** Raw bytes in, raw bytes out. */
    enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
