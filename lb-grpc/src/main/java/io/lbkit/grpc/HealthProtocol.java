package io.lbkit.grpc;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The {@code grpc.health.v1.Health} service as the client sees it: its two methods and its two
 * messages, encoded by hand (one string field, one enum field), so lb-grpc needs neither protobuf
 * nor grpc-services. Stateless.
 */
final class HealthProtocol {

    /** HealthCheckResponse.ServingStatus.SERVING; every other value (or none) is not serving. */
    static final long SERVING = 1;

    static final MethodDescriptor<byte[], byte[]> CHECK =
            method(MethodDescriptor.MethodType.UNARY, "Check").setIdempotent(true).build();

    /** Server streaming: the current status at once, then every change. */
    static final MethodDescriptor<byte[], byte[]> WATCH =
            method(MethodDescriptor.MethodType.SERVER_STREAMING, "Watch").build();

    private HealthProtocol() {}

    /** A method of the Health service, its messages passed as raw bytes. */
    private static MethodDescriptor.Builder<byte[], byte[]> method(
            MethodDescriptor.MethodType type, String name) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName("grpc.health.v1.Health/" + name)
                .setRequestMarshaller(BytesMarshaller.INSTANCE)
                .setResponseMarshaller(BytesMarshaller.INSTANCE);
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

    /**
     * HealthCheckResponse: field 1 (status), a varint enum; absent means 0 (UNKNOWN), -1 a
     * malformed message.
     */
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

    /** The name of a ServingStatus value, as {@link #servingStatus} returns them. */
    static String statusName(long status) {
        switch ((int) Math.max(-1, Math.min(status, 4))) {
            case -1: return "a malformed message";
            case 0: return "UNKNOWN";
            case 1: return "SERVING";
            case 2: return "NOT_SERVING";
            case 3: return "SERVICE_UNKNOWN";
            default: return "status " + status;
        }
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
