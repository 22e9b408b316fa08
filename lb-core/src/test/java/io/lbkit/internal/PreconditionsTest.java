package io.lbkit.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PreconditionsTest {

    private static final Duration MS = Duration.ofMillis(1);
    private static final Duration HOUR = Duration.ofHours(1);

    @Test
    void setOnceRange_returnsTheValueThenRejectsASecondCallNamingTheEarlierValue() {
        Preconditions.SetOnce set = new Preconditions.SetOnce();
        int rise = set.range("rise", 2, 5, 1, 100);
        assertEquals(5, rise);
        assertTrue(set.isSet("rise"));
        assertFalse(set.isSet("fall"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> set.range("rise", rise, 6, 1, 100));
        assertEquals("rise was already set to 5", e.getMessage());
    }

    @Test
    void setOnceRange_namesTheFieldAndTheRange_andARejectedValueDoesNotCountAsSet() {
        Preconditions.SetOnce set = new Preconditions.SetOnce();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> set.range("fall", 3, 101, 1, 100));
        assertEquals("fall must be in 1..100, was 101", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> set.range("window", HOUR, Duration.ofHours(2), MS, HOUR, "1 ms..1 h"));
        assertEquals("window must be in 1 ms..1 h, was PT2H", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> set.range("ratio", 0.2, Double.NaN, 0, 10, "0..10"));
        assertEquals("ratio must be in 0..10, was NaN", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> set.range("timeout", HOUR, Duration.ZERO, MS, HOUR));
        assertEquals("timeout must be in PT0.001S..PT1H, was PT0S", e.getMessage());
        assertFalse(set.isSet("fall"));
        assertEquals(5, set.range("fall", 3, 5, 1, 100));
        assertEquals(5.0, set.range("ratio", 0.2, 5, 0, 10, "0..10"));
    }

    @Test
    void nullValue_isRejectedNamingTheField_beforeTheSetOnceCheck() {
        Preconditions.SetOnce set = new Preconditions.SetOnce();
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> set.range("interval", HOUR, null, MS, HOUR));
        assertEquals("interval", e.getMessage());
        assertFalse(set.isSet("interval"));
        e = assertThrows(NullPointerException.class, () -> set.value("probe", "p", null));
        assertEquals("probe", e.getMessage());
        e = assertThrows(NullPointerException.class,
                () -> Preconditions.setOnce("minTtl", null, null, MS, HOUR, "1 ms..1 h"));
        assertEquals("minTtl", e.getMessage());
    }

    @Test
    void nullableFieldSetOnce_checksOnceThenTheRangeQuotingItsLabel() {
        Duration d = Preconditions.setOnce("minTtl", null, Duration.ofSeconds(2), MS, HOUR,
                "1 ms..1 h (PT0.001S..PT1H)");
        assertEquals(Duration.ofSeconds(2), d);
        IllegalStateException once = assertThrows(IllegalStateException.class,
                () -> Preconditions.setOnce("minTtl", d, MS, MS, HOUR, "1 ms..1 h"));
        assertEquals("minTtl was already set to PT2S", once.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> Preconditions.setOnce("minTtl", null, Duration.ofDays(1), MS, HOUR,
                        "1 ms..1 h (PT0.001S..PT1H)"));
        assertEquals("minTtl must be in 1 ms..1 h (PT0.001S..PT1H), was PT24H",
                range.getMessage());
    }

    @Test
    void bounds_checkMaxThenTheLowBoundAgainstIt_andCountAsSetOnlyWhenBothPass() {
        Preconditions.SetOnce set = new Preconditions.SetOnce();
        Duration min = Duration.ofNanos(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> set.bounds("delayBounds", "1 ms..1 s", "min", MS, Duration.ZERO, min,
                        HOUR, "(0 ms, 1 h]"));
        assertEquals("delayBounds max must be in (0 ms, 1 h], was PT0S", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> set.bounds("backoff", "x", "base", Duration.ofSeconds(2),
                        Duration.ofSeconds(1), Duration.ZERO, HOUR, "0 ms..1 h"));
        assertEquals("backoff base must be in 0 ms..max (PT1S), was PT2S", e.getMessage());
        assertFalse(set.isSet("backoff"), "a rejected pair does not count as set");
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> set.bounds("backoff", "x", "base", null, HOUR, Duration.ZERO, HOUR, "r"));
        assertEquals("base", npe.getMessage());

        assertEquals(MS, set.bounds("backoff", "25 ms..250 ms", "base", MS, HOUR, Duration.ZERO,
                HOUR, "0 ms..1 h"));
        IllegalStateException again = assertThrows(IllegalStateException.class,
                () -> set.bounds("backoff", "PT0.001S..PT1H", "base", MS, HOUR, Duration.ZERO,
                        HOUR, "0 ms..1 h"));
        assertEquals("backoff was already set to PT0.001S..PT1H", again.getMessage());
    }
}
