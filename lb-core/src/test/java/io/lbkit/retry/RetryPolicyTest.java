package io.lbkit.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    @Test
    void defaults_areThreeAttemptsAndEnvoysBackoff() {
        RetryPolicy p = RetryPolicy.of();
        assertEquals(3, p.maxAttempts());
        assertEquals(Duration.ofMillis(25), p.baseBackoff());
        assertEquals(Duration.ofMillis(250), p.maxBackoff());
        assertEquals(1, RetryPolicy.none().maxAttempts());
    }

    @Test
    void backoff_ceilingDoublesPerRetryUpToTheCap() {
        RetryPolicy p = RetryPolicy.builder()
                .backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        double justBelowOne = Math.nextDown(1.0);
        assertEquals(10_000_000, p.backoffNanos(1, justBelowOne), 1);
        assertEquals(20_000_000, p.backoffNanos(2, justBelowOne), 1);
        assertEquals(40_000_000, p.backoffNanos(3, justBelowOne), 1);
        assertEquals(50_000_000, p.backoffNanos(4, justBelowOne), 1);
        assertEquals(50_000_000, p.backoffNanos(60, justBelowOne), 1);
    }

    @Test
    void backoff_isFullJitterFromZero() {
        RetryPolicy p = RetryPolicy.of();
        assertEquals(0, p.backoffNanos(3, 0.0));
        assertEquals(25_000_000, p.backoffNanos(2, 0.5));
        for (int i = 0; i < 1_000; i++) {
            Duration d = p.backoff(5);
            assertTrue(!d.isNegative() && d.compareTo(Duration.ofMillis(250)) <= 0, d.toString());
        }
    }

    @Test
    void builder_rejectsOutOfRangeValuesNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetryPolicy.builder().maxAttempts(0));
        assertTrue(e.getMessage().contains("maxAttempts must be in 1..10"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder()
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("backoff base"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetryPolicy.builder()
                .backoff(Duration.ZERO, Duration.ofMinutes(2)));
        assertTrue(e.getMessage().contains("backoff max"), e.getMessage());
    }

    @Test
    void builder_rejectsASecondValueForAnOption() {
        RetryPolicy.Builder b = RetryPolicy.builder().maxAttempts(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.maxAttempts(4));
        assertTrue(e.getMessage().contains("2"), e.getMessage());
    }

    @Test
    void zeroBase_withAHugeRetryNumber_returnsAtOnce_insteadOfSpinning() {
        RetryPolicy p = RetryPolicy.builder().backoff(Duration.ZERO, Duration.ofSeconds(1)).build();
        // constant time: the doubling loop this replaces took about a second per call
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(3), () -> {
            for (int i = 0; i < 10; i++) {
                assertEquals(0, p.backoffNanos(Integer.MAX_VALUE, 0.5));
            }
            assertEquals(Duration.ZERO, p.backoff(Integer.MAX_VALUE));
        });
    }

    @Test
    void hugeRetryNumbers_reachTheCap_forEveryBase() {
        for (long baseNanos : new long[] {1, 3, 1_000, 25_000_000, 60_000_000_000L}) {
            RetryPolicy p = RetryPolicy.builder()
                    .backoff(Duration.ofNanos(baseNanos), Duration.ofMinutes(1)).build();
            double justBelowOne = Math.nextDown(1.0);
            assertEquals(6e10, p.backoffNanos(Integer.MAX_VALUE, justBelowOne), 1.0);
            assertEquals(6e10, p.backoffNanos(64, justBelowOne), 1.0);
            assertEquals(Math.min(baseNanos * 4, 6e10), p.backoffNanos(3, justBelowOne), 1.0);
        }
    }
}
