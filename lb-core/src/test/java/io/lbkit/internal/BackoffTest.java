package io.lbkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void delay_doublesFromInitialUpToMax_lessAtMost20PercentJitter() {
        Backoff b = Backoff.of(Duration.ofMillis(100), Duration.ofSeconds(1));
        long[] ceilings = {100, 200, 400, 800, 1000, 1000};
        for (int n = 1; n <= ceilings.length; n++) {
            long ceiling = ceilings[n - 1] * 1_000_000;
            for (int i = 0; i < 200; i++) {
                long d = b.nanos(n);
                assertTrue(d <= ceiling && d >= ceiling * 8 / 10, n + ": " + d);
            }
        }
    }

    @Test
    void delay_staysAtMax_forAnyFailureCount_withoutOverflow() {
        Backoff b = Backoff.of(Duration.ofDays(1), Duration.ofDays(1));
        long max = Duration.ofDays(1).toNanos();
        for (int n : new int[] {63, 64, 1_000, Integer.MAX_VALUE}) {
            long d = b.nanos(n);
            assertTrue(d <= max && d >= max * 8 / 10, n + ": " + d);
        }
        Backoff tiny = Backoff.of(Duration.ofNanos(1), Duration.ofNanos(1));
        assertEquals(1, tiny.nanos(Integer.MAX_VALUE));
    }

    @Test
    void initialAboveMax_isRejectedNamingBothOptions() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backoff.of(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertEquals("initialBackoff (PT2S) must not exceed maxBackoff (PT1S)", e.getMessage());
    }
}
