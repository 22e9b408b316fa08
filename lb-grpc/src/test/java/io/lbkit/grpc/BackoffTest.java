package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The health stream's retry back-off: grpc's connection back-off parameters. */
class BackoffTest {

    private static List<Long> millis(Backoff b, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(TimeUnit.NANOSECONDS.toMillis(b.nextDelayNanos()));
        }
        return out;
    }

    @Test
    void delays_growBy1point6From1sUpTo120s() {
        Backoff b = new Backoff(() -> 0.5); // no jitter
        assertEquals(List.of(1000L, 1600L, 2560L, 4096L, 6553L, 10485L, 16777L, 26843L, 42949L,
                68719L, 109951L, 120000L, 120000L), millis(b, 13));
    }

    @Test
    void jitter_isPlusOrMinus20Percent() {
        assertEquals(List.of(800L, 1280L), millis(new Backoff(() -> 0.0), 2));
        assertEquals(List.of(1199L, 1919L), millis(new Backoff(() -> 0.999_999), 2));
    }

    @Test
    void reset_startsAgainAt1s() {
        Backoff b = new Backoff(() -> 0.5);
        millis(b, 5);
        b.reset();
        assertEquals(List.of(1000L, 1600L), millis(b, 2));
    }
}
