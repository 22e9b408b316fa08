package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The hand-written protobuf encoding of the two grpc.health.v1 messages. */
class HealthProtocolTest {

    @Test
    void request_encodesTheServiceNameAsField1() {
        assertArrayEquals(new byte[0], HealthProtocol.encodeRequest(""));
        assertArrayEquals(new byte[] {0x0A, 3, 'a', '.', 'B'}, HealthProtocol.encodeRequest("a.B"));
        byte[] longName = HealthProtocol.encodeRequest("x".repeat(200));
        assertArrayEquals(new byte[] {0x0A, (byte) 0xC8, 0x01}, java.util.Arrays.copyOf(longName, 3));
        assertEquals(203, longName.length);
    }

    @Test
    void response_readsTheServingStatus() {
        assertEquals(1, HealthProtocol.servingStatus(new byte[] {0x08, 1}));
        assertEquals(2, HealthProtocol.servingStatus(new byte[] {0x08, 2}));
        assertEquals(0, HealthProtocol.servingStatus(new byte[0]), "absent: UNKNOWN");
    }

    @Test
    void response_skipsUnknownFields() {
        // field 2 (length-delimited "hi"), field 3 (fixed32), then status SERVING
        assertEquals(1, HealthProtocol.servingStatus(
                new byte[] {0x12, 2, 'h', 'i', 0x1D, 0, 0, 0, 0, 0x08, 1}));
    }

    @Test
    void response_malformed_isNotServing() {
        assertEquals(-1, HealthProtocol.servingStatus(new byte[] {0x12, (byte) 0x80}));
        assertEquals(-1, HealthProtocol.servingStatus(new byte[] {0x12, 100, 1}));
        assertEquals(-1, HealthProtocol.servingStatus(new byte[] {0x0B}));
    }
}
