package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.retry.HedgePolicy;
import io.lbkit.retry.RetryPolicy;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Regression tests: options of several values (and the endpoint builder's) recorded themselves as
 * set before their values were checked, so a caller that corrected a rejected value got "already
 * set" instead; the single-value options of every other builder already let a rejected value be
 * corrected.
 */
class RejectedOptionIsNotSetTest {

    @Test
    void retryBackoff_rejectedThenCorrected() {
        RetryPolicy.Builder b = RetryPolicy.builder();
        assertThrows(IllegalArgumentException.class,
                () -> b.backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        RetryPolicy p = b.backoff(Duration.ofMillis(20), Duration.ofSeconds(1)).build();
        assertEquals(Duration.ofMillis(20), p.baseBackoff());
        assertEquals(Duration.ofSeconds(1), p.maxBackoff());
        assertThrows(IllegalStateException.class,
                () -> b.backoff(Duration.ofMillis(30), Duration.ofSeconds(1)));
    }

    @Test
    void hedgeDelayBounds_rejectedThenCorrected() {
        HedgePolicy.Builder b = HedgePolicy.builder();
        assertThrows(IllegalArgumentException.class,
                () -> b.delayBounds(Duration.ofMillis(1), Duration.ofMinutes(5)));
        assertDoesNotThrow(() -> b.delayBounds(Duration.ofMillis(1), Duration.ofMillis(500)));
        assertThrows(IllegalStateException.class,
                () -> b.delayBounds(Duration.ofMillis(2), Duration.ofMillis(500)));
    }

    @Test
    void concurrencyLimitBoundsAndSmoothing_rejectedThenCorrected() {
        ConcurrencyLimit.GradientBuilder b = ConcurrencyLimit.gradientBuilder();
        assertThrows(IllegalArgumentException.class, () -> b.limitBounds(10, 5));
        assertDoesNotThrow(() -> b.limitBounds(5, 10));
        assertThrows(IllegalStateException.class, () -> b.limitBounds(6, 10));
        assertThrows(IllegalArgumentException.class, () -> b.smoothing(0));
        assertDoesNotThrow(() -> b.smoothing(0.5));
        assertThrows(IllegalStateException.class, () -> b.smoothing(0.6));
    }

    @Test
    void endpointOptions_rejectedThenCorrected() {
        Endpoint.Builder b = Endpoint.builder("10.0.0.1", 80);
        assertThrows(IllegalArgumentException.class, () -> b.weight(0));
        assertThrows(IllegalArgumentException.class, () -> b.priority(-1));
        assertThrows(IllegalArgumentException.class, () -> b.zone(" "));
        assertThrows(IllegalArgumentException.class, () -> b.region("a\nb"));
        Endpoint e = b.weight(3).priority(1).zone("z1").region("r1").build();
        assertEquals(3, e.weight());
        assertEquals(1, e.priority());
        assertEquals(Optional.of("z1"), e.zone());
        assertThrows(IllegalStateException.class, () -> b.weight(4));
        assertThrows(IllegalStateException.class, () -> b.zone("z2"));
    }
}
