package io.lbkit.grpc;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

/** Invariants of the hand-written wire formats: health messages and config durations. */
class WireFormatProperties {

    @Property
    boolean servingStatus_neverThrowsOnArbitraryBytes(@ForAll @Size(max = 64) byte[] message) {
        long status = HealthProtocol.servingStatus(message);
        return status >= -1;
    }

    @Property
    boolean servingStatus_readsAnyEnumValueAfterUnknownFields(
            @ForAll @IntRange(min = 0, max = 100_000) int value,
            @ForAll @StringLength(max = 300) String padding) {
        byte[] pad = padding.getBytes(StandardCharsets.UTF_8);
        byte[] len = varint(pad.length);
        byte[] v = varint(value);
        byte[] msg = new byte[1 + len.length + pad.length + 1 + v.length];
        int i = 0;
        msg[i++] = 0x12; // field 2, length-delimited: skipped
        System.arraycopy(len, 0, msg, i, len.length);
        i += len.length;
        System.arraycopy(pad, 0, msg, i, pad.length);
        i += pad.length;
        msg[i++] = 0x08; // field 1, varint
        System.arraycopy(v, 0, msg, i, v.length);
        return HealthProtocol.servingStatus(msg) == value;
    }

    @Property
    boolean request_encodesTheNameAfterItsLength(@ForAll @StringLength(min = 1, max = 300) String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        byte[] encoded = HealthProtocol.encodeRequest(name);
        byte[] len = varint(utf8.length);
        return encoded[0] == 0x0A
                && Arrays.equals(Arrays.copyOfRange(encoded, 1, 1 + len.length), len)
                && Arrays.equals(Arrays.copyOfRange(encoded, 1 + len.length, encoded.length), utf8);
    }

    @Property
    boolean duration_roundTripsDecimalSeconds(@ForAll @LongRange(min = 0, max = 86_400_000_000_000L) long nanos) {
        Duration d = Duration.ofNanos(nanos);
        String text = java.math.BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString() + "s";
        return ConfigJson.duration("x", text).equals(d);
    }

    private static byte[] varint(int value) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int v = value;
        while ((v & ~0x7F) != 0) {
            out.write((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write(v);
        return out.toByteArray();
    }
}
