package io.lbkit.jmh.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void percentile_isNearestRankInMicroseconds() {
        LatencyHistogram h = new LatencyHistogram();
        for (int us = 1; us <= 100; us++) {
            h.record(us * 1_000L + 999); // sub-microsecond remainders round down
        }
        assertEquals(100, h.count());
        assertEquals(50, h.percentileMicros(0.50));
        assertEquals(99, h.percentileMicros(0.99));
        assertEquals(100, h.percentileMicros(1.0));
        assertEquals(1, h.percentileMicros(0.001));
    }

    @Test
    void slowCalls_landInTheOverflowBucket_andNegativeAsZero() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(-5);
        h.record(5_000_000_000L);
        assertEquals(0, h.percentileMicros(0.5));
        assertEquals(LatencyHistogram.MAX_MICROS + 1, h.percentileMicros(1.0));
    }

    @Test
    void empty_isZero_andBadQuantileFails() {
        LatencyHistogram h = new LatencyHistogram();
        assertEquals(0, h.percentileMicros(0.99));
        assertThrows(IllegalArgumentException.class, () -> h.percentileMicros(0));
        assertThrows(IllegalArgumentException.class, () -> h.percentileMicros(1.5));
    }
}
