package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

    private static final long MS = 1_000_000L;

    /**
     * A server with {@code workers} workers and 10 ms of work per call: with {@code inFlight}
     * calls, each waits its share of the queue (processor sharing).
     */
    static long rtt(int inFlight, int workers, long serviceNanos) {
        return serviceNanos * Math.max(workers, inFlight) / workers;
    }

    /** Feeds windows of samples from a client that keeps the endpoint at its limit. */
    static void saturate(ConcurrencyLimit.Limiter l, int windows, int workers, long service) {
        for (int i = 0; i < windows * ConcurrencyLimit.GradientBuilder.DEFAULT_WINDOW_SAMPLES; i++) {
            int inFlight = l.limit();
            l.onSample(rtt(inFlight, workers, service), inFlight);
        }
    }

    @Test
    void limit_growsWhileLatencyStaysAtNoLoad() {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradient().newLimiter();
        assertEquals(20, l.limit());
        // An endpoint with far more workers than the limit: latency never rises.
        saturate(l, 150, 10_000, 10 * MS);
        assertEquals(ConcurrencyLimit.GradientBuilder.DEFAULT_MAX_LIMIT, l.limit());
    }

    @Test
    void limit_doesNotGrowWhenItIsNotUsed() {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradient().newLimiter();
        for (int i = 0; i < 5_000; i++) {
            l.onSample(10 * MS, 3); // 3 in flight of a limit of 20: no evidence
        }
        assertTrue(l.limit() <= 20, "limit " + l.limit());
    }

    @Test
    void limit_shrinksWhenLatencyRises() {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradient().newLimiter();
        for (int i = 0; i < 100; i++) {
            l.onSample(10 * MS, 20);
        }
        int before = l.limit();
        for (int i = 0; i < 500; i++) {
            l.onSample(40 * MS, 20); // four times the no-load latency
        }
        assertTrue(l.limit() < before / 2, "limit " + before + " -> " + l.limit());
    }

    @Test
    void limit_convergesUnderASteadyOverload() {
        // 4 workers, 10 ms each; the client would send any number of calls.
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradient().newLimiter();
        saturate(l, 300, 4, 10 * MS);
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (int w = 0; w < 1_000; w++) {
            saturate(l, 1, 4, 10 * MS);
            if (l.limit() > GradientLimit.PROBE_LIMIT) { // probes drop it to 3 on purpose
                min = Math.min(min, l.limit());
                max = Math.max(max, l.limit());
            }
        }
        // Fixed point of limit = 1.5 × 4 + √limit: 9. The endpoint stays busy (limit > 4
        // workers) and latency at most about 2.5 × no-load.
        assertTrue(min >= 5 && max <= 12, "limit ranged " + min + ".." + max);
    }

    @Test
    void drops_backOffTheLimit() {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradient().newLimiter();
        for (int i = 0; i < 25 * 10; i++) {
            l.onDrop(20);
        }
        // Ten windows at 0.9 each: 20 × 0.9^10 ≈ 6.97.
        assertEquals(6, l.limit());
    }

    @Test
    void failures_slowerThanTheToleranceAreDrops_quickerOnesAreIgnored() {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradient().newLimiter();
        for (int i = 0; i < 25 * 10; i++) {
            l.onFailure(1_000 * MS, 20); // before any window: nothing to compare with
        }
        assertEquals(20, l.limit(), "ignored while the no-load latency is unknown");
        for (int i = 0; i < 25; i++) {
            l.onSample(10 * MS, 20);
        }
        int learnt = l.limit();
        for (int i = 0; i < 25 * 10; i++) {
            l.onFailure(15 * MS, 20); // within tolerance (1.5 × 10 ms): a quick error
        }
        assertEquals(learnt, l.limit(), "quick failures are ignored");
        for (int i = 0; i < 25 * 10; i++) {
            l.onFailure(16 * MS, 20); // slower than 1.5 × no-load: a timeout or a queued answer
        }
        // Ten windows with drops at 0.9 each, from the estimate the first window left:
        // 20 + 0.2 × √20 = 20.9 (published as 20); 20.9 × 0.9^10 = 7.3.
        assertEquals(20, learnt);
        assertEquals(7, l.limit());
    }

    @Test
    void noLoadEstimate_isMeasuredAfreshByAProbe() {
        GradientLimiter l = (GradientLimiter) ConcurrencyLimit.gradient().newLimiter();
        for (int i = 0; i < 25; i++) {
            l.onSample(10 * MS, 20);
        }
        assertEquals(10 * MS, l.noLoadNanos(), 1);
        // The service becomes permanently 3x slower; the limit shrinks to its floor, then
        // the probe learns the new no-load latency and the limit recovers.
        boolean probed = false;
        for (int i = 0; i < 25 * (GradientLimit.PROBE_INTERVAL_WINDOWS + 2); i++) {
            probed |= l.limit() == GradientLimit.PROBE_LIMIT;
            int inFlight = l.limit();
            l.onSample(rtt(inFlight, 4, 30 * MS), inFlight);
        }
        assertTrue(probed, "the limit dropped to the probe limit");
        assertEquals(30 * MS, l.noLoadNanos(), 1);
        saturate(l, 100, 4, 30 * MS);
        assertTrue(l.limit() >= 5, "limit recovers: " + l.limit());
    }

    @Test
    void limit_staysWithinItsBounds() {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradientBuilder().limitBounds(5, 30)
                .initialLimit(100).build().newLimiter();
        assertEquals(30, l.limit(), "initial clamped");
        for (int i = 0; i < 2_000; i++) {
            l.onDrop(30);
        }
        assertEquals(5, l.limit());
    }

    @Test
    void concurrentSamples_leaveTheLimitInBoundsAndCloseWindows() throws Exception {
        ConcurrencyLimit.Limiter l = ConcurrencyLimit.gradientBuilder().limitBounds(2, 50)
                .build().newLimiter();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch done = new CountDownLatch(4);
        try {
            for (int t = 0; t < 4; t++) {
                pool.execute(() -> {
                    try {
                        for (int i = 0; i < 50_000; i++) {
                            int inFlight = l.limit();
                            l.onSample(rtt(inFlight, 8, 10 * MS), inFlight);
                            int now = l.limit();
                            if (now < 2 || now > 50) {
                                throw new AssertionError("limit " + now);
                            }
                        }
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        // 8 workers: fixed point 1.5 × 8 + √limit ≈ 16; well inside the bounds, not at them.
        assertTrue(l.limit() > 8 && l.limit() < 30, "limit " + l.limit());
    }

    @Test
    void builder_rejectsOutOfRangeValuesNamingTheField() {
        assertMessage(IllegalArgumentException.class, "limitBounds min must be in 1..max (10), was 11",
                () -> ConcurrencyLimit.gradientBuilder().limitBounds(11, 10));
        assertMessage(IllegalArgumentException.class, "tolerance must be in 1..10, was 0.5",
                () -> ConcurrencyLimit.gradientBuilder().tolerance(0.5));
        assertMessage(IllegalArgumentException.class, "smoothing must be in (0, 1], was 0.0",
                () -> ConcurrencyLimit.gradientBuilder().smoothing(0));
        assertMessage(IllegalArgumentException.class, "initialLimit must be in 1..100000, was 0",
                () -> ConcurrencyLimit.gradientBuilder().initialLimit(0));
        assertMessage(IllegalArgumentException.class, "windowSamples must be in 1..10000",
                () -> ConcurrencyLimit.gradientBuilder().windowSamples(0));
        assertMessage(IllegalStateException.class, "tolerance was already set to 2.0",
                () -> ConcurrencyLimit.gradientBuilder().tolerance(2).tolerance(3));
    }

    private static void assertMessage(Class<? extends RuntimeException> type, String part,
            org.junit.jupiter.api.function.Executable body) {
        RuntimeException e = assertThrows(type, body);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
