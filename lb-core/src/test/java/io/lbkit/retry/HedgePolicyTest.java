package io.lbkit.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HedgePolicyTest {

    private static final long MS = 1_000_000L;

    private final AtomicLong now = new AtomicLong(5_000_000_000L);

    private HedgePolicy percentile(double p) {
        return HedgePolicy.builder().percentile(p).ticker(now::get).build();
    }

    private static RetryBudget generous() {
        return RetryBudget.builder().retryRatio(10).minRetriesPerSecond(100_000).build();
    }

    @Test
    void fixedDelay_isTheDelayWhateverTheLatency() {
        HedgePolicy p = HedgePolicy.ofDelay(Duration.ofMillis(30));
        for (int i = 0; i < 1_000; i++) {
            p.recordLatency(i * MS);
        }
        assertEquals(30 * MS, p.delayNanos());
        assertEquals(Duration.ofMillis(30), p.fixedDelay().orElseThrow());
        assertTrue(Double.isNaN(p.percentile()));
    }

    @Test
    void percentileDelay_isTheCapUntilEnoughSamplesAreKnown() {
        HedgePolicy p = percentile(95);
        assertEquals(HedgePolicy.DEFAULT_MAX_DELAY.toNanos(), p.delayNanos());
        for (int i = 0; i < HedgePolicy.MIN_SAMPLES - 1; i++) {
            p.recordLatency(10 * MS);
        }
        assertEquals(HedgePolicy.DEFAULT_MAX_DELAY.toNanos(), p.delayNanos(), "99 samples");
        p.recordLatency(10 * MS);
        long d = p.delayNanos();
        assertTrue(d >= 10 * MS && d <= 10 * MS * 17 / 16 + 1, "delay " + d);
    }

    @Test
    void percentileDelay_tracksTheRecentP95() {
        HedgePolicy p = percentile(95);
        // 1..1000 ms, once each: p95 is 950 ms (within the bucket's 6.25%).
        for (int i = 1; i <= 1_000; i++) {
            p.recordLatency(i * MS);
        }
        long d = p.delayNanos();
        assertTrue(d >= 950 * MS && d <= 950 * MS * 17 / 16 + 1, "delay " + d);
    }

    @Test
    void percentileDelay_isClampedToItsBounds() {
        HedgePolicy p = HedgePolicy.builder().delayBounds(Duration.ofMillis(5),
                Duration.ofMillis(50)).ticker(now::get).build();
        for (int i = 0; i < 200; i++) {
            p.recordLatency(MS / 10);
        }
        assertEquals(5 * MS, p.delayNanos(), "floor");
        for (int i = 0; i < 10_000; i++) {
            p.recordLatency(500 * MS);
        }
        assertEquals(50 * MS, p.delayNanos(), "cap");
    }

    @Test
    void percentileDelay_forgetsLatencyOlderThanTwoWindows() {
        HedgePolicy p = percentile(95);
        for (int i = 0; i < 1_000; i++) {
            p.recordLatency(400 * MS);
        }
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        for (int i = 0; i < 1_000; i++) {
            p.recordLatency(20 * MS);
        }
        assertTrue(p.delayNanos() >= 400 * MS, "the previous window still counts");
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        for (int i = 0; i < 1_000; i++) {
            p.recordLatency(20 * MS);
        }
        long d = p.delayNanos();
        assertTrue(d >= 20 * MS && d <= 22 * MS, "the slow window is forgotten: " + d);
        now.addAndGet(Duration.ofSeconds(25).toNanos());
        assertEquals(HedgePolicy.DEFAULT_MAX_DELAY.toNanos(), p.delayNanos(),
                "nothing recent: back to the cap");
    }

    @Test
    void hedges_stopAtMaxHedges() {
        HedgePolicy p = HedgePolicy.builder().delay(Duration.ofMillis(10)).maxHedges(2).build();
        HedgePolicy.HedgedCall call = p.start(generous());
        assertTrue(call.tryHedge());
        assertTrue(call.tryHedge());
        assertFalse(call.tryHedge(), "third hedge");
        assertEquals(2, call.hedgesSent());
        assertTrue(call.isOpen());
    }

    @Test
    void hedges_arePaidFromTheRetryBudget() {
        RetryBudget budget = RetryBudget.builder().retryRatio(0.05).minRetriesPerSecond(0)
                .ticker(now::get).build();
        HedgePolicy p = HedgePolicy.ofDelay(Duration.ofMillis(10));
        int granted = 0;
        for (int i = 0; i < 10_000; i++) {
            budget.onRequest();
            if (p.start(budget).tryHedge()) {
                granted++;
            }
        }
        // Every call wants a hedge; the budget grants 5% of the calls counted so far.
        assertTrue(granted <= 500, "granted " + granted);
        assertTrue(granted >= 490, "granted " + granted);
    }

    @Test
    void hedgesAndRetries_shareOneBudget() {
        RetryBudget budget = RetryBudget.builder().retryRatio(0).minRetriesPerSecond(1)
                .ticker(now::get).build();
        for (int i = 0; i < 9; i++) {
            assertTrue(budget.tryAcquireRetry(), "retry " + i);
        }
        HedgePolicy.HedgedCall call = HedgePolicy.ofDelay(Duration.ZERO).start(budget);
        assertTrue(call.tryHedge(), "the tenth token");
        HedgePolicy.HedgedCall next = HedgePolicy.ofDelay(Duration.ZERO).start(budget);
        assertFalse(next.tryHedge(), "budget spent by retries and the hedge");
        assertTrue(next.isOpen(), "a refused hedge leaves the call open");
        assertEquals(0, next.hedgesSent());
    }

    @Test
    void refusedHedge_doesNotUseUpAHedgeSlot() {
        RetryBudget budget = RetryBudget.builder().retryRatio(0).minRetriesPerSecond(1)
                .ticker(now::get).build();
        for (int i = 0; i < 10; i++) {
            budget.tryAcquireRetry(); // spend the floor
        }
        HedgePolicy.HedgedCall call = HedgePolicy.ofDelay(Duration.ZERO).start(budget);
        assertFalse(call.tryHedge());
        now.addAndGet(Duration.ofSeconds(11).toNanos()); // the window slides: tokens again
        assertTrue(call.tryHedge(), "the one hedge is still available");
        assertEquals(1, call.hedgesSent());
    }

    @Test
    void nonRetryableOutcome_stopsHedging() {
        HedgePolicy.HedgedCall call = HedgePolicy.builder().delay(Duration.ofMillis(1))
                .maxHedges(3).build().start(generous());
        assertTrue(call.tryHedge());
        call.stop();
        assertFalse(call.isOpen());
        assertFalse(call.tryHedge());
        assertEquals(1, call.hedgesSent(), "hedges sent before the stop still count");
    }

    @Test
    void success_finishesHedging() {
        HedgePolicy.HedgedCall call = HedgePolicy.of().start(generous());
        call.finish();
        assertFalse(call.tryHedge());
        call.stop(); // idempotent
        assertEquals(0, call.hedgesSent());
    }

    @Test
    void concurrentHedgeAttempts_neverExceedMaxHedges() throws Exception {
        HedgePolicy p = HedgePolicy.builder().delay(Duration.ZERO).maxHedges(3).build();
        RetryBudget budget = generous();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 200; round++) {
                HedgePolicy.HedgedCall call = p.start(budget);
                AtomicInteger granted = new AtomicInteger();
                CountDownLatch go = new CountDownLatch(1);
                CountDownLatch done = new CountDownLatch(4);
                for (int t = 0; t < 4; t++) {
                    pool.execute(() -> {
                        try {
                            go.await();
                            for (int i = 0; i < 3; i++) {
                                if (call.tryHedge()) {
                                    granted.incrementAndGet();
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            done.countDown();
                        }
                    });
                }
                go.countDown();
                assertTrue(done.await(10, TimeUnit.SECONDS));
                assertEquals(3, granted.get(), "round " + round);
                assertEquals(3, call.hedgesSent());
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void builder_rejectsOutOfRangeValuesNamingTheFieldAndRange() {
        assertMessage(IllegalArgumentException.class, "percentile must be in 50.0..99.9, was 100.0",
                () -> HedgePolicy.builder().percentile(100));
        assertMessage(IllegalArgumentException.class, "maxHedges must be in 1..4, was 0",
                () -> HedgePolicy.builder().maxHedges(0));
        assertMessage(IllegalArgumentException.class, "delay must be in 0 ms..1 min",
                () -> HedgePolicy.builder().delay(Duration.ofMillis(-1)));
        assertMessage(IllegalArgumentException.class, "delayBounds min must be in 0 ms..max",
                () -> HedgePolicy.builder().delayBounds(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertMessage(IllegalArgumentException.class, "window must be in 1 s..1 h",
                () -> HedgePolicy.builder().window(Duration.ofMillis(100)));
    }

    @Test
    void builder_rejectsASecondValueAndMixedModes() {
        assertMessage(IllegalStateException.class, "maxHedges was already set to 2",
                () -> HedgePolicy.builder().maxHedges(2).maxHedges(3));
        assertMessage(IllegalStateException.class, "percentile excludes the fixed delay",
                () -> HedgePolicy.builder().delay(Duration.ofMillis(5)).percentile(90));
        assertMessage(IllegalStateException.class,
                "delay excludes the percentile options, and percentile was already set",
                () -> HedgePolicy.builder().percentile(90).delay(Duration.ofMillis(5)));
        assertMessage(IllegalStateException.class, "and window was already set",
                () -> HedgePolicy.builder().window(Duration.ofSeconds(5))
                        .delay(Duration.ofMillis(5)));
    }

    private static void assertMessage(Class<? extends RuntimeException> type, String part,
            org.junit.jupiter.api.function.Executable body) {
        RuntimeException e = assertThrows(type, body);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    /**
     * A ticker promises differences only, and its readings may wrap past Long.MAX_VALUE. The
     * percentile windows were keyed on the absolute reading: after the wrap the slot holding a
     * window from before it looked newer than every later one, so each new sample landing there
     * was dropped and the delay stayed at the cap.
     */
    @Test
    void percentileDelay_followsLatencyAfterTheTickerWrapsPastLongMaxValue() {
        for (int k = 0; k < 2; k++) { // both slots: one of them holds the window before the wrap
            AtomicLong clock = new AtomicLong(Long.MAX_VALUE - 1_500_000_000L); // 10 s windows
            HedgePolicy p = HedgePolicy.builder().percentile(50).ticker(clock::get).build();
            for (int i = 0; i < 200; i++) {
                p.recordLatency(400 * MS);
            }
            long before = p.delayNanos();
            assertTrue(before >= 400 * MS && before <= 400 * MS * 17 / 16 + 1, "before " + before);
            clock.addAndGet((3 + k) * 10_000 * MS); // past the wrap, no samples in between
            assertTrue(clock.get() < 0, "the clock wrapped");
            for (int i = 0; i < 200; i++) {
                p.recordLatency(20 * MS);
            }
            long after = p.delayNanos();
            assertTrue(after >= 20 * MS && after <= 20 * MS * 17 / 16 + 1,
                    "after the wrap (+" + (3 + k) + " windows): " + after);
        }
    }
}
