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

class RetryBudgetTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private RetryBudget budget(double ratio, int minPerSecond) {
        return RetryBudget.builder().retryRatio(ratio).minRetriesPerSecond(minPerSecond)
                .ticker(now::get).build();
    }

    /** Sends {@code perSecond} calls per second for {@code seconds}; each failing call asks to retry. */
    private static long[] simulate(RetryBudget budget, AtomicLong now, int seconds, int perSecond,
            double failureRate) {
        long calls = 0;
        long retries = 0;
        long step = 1_000_000_000L / perSecond;
        double failures = 0;
        for (int s = 0; s < seconds; s++) {
            for (int i = 0; i < perSecond; i++) {
                budget.onRequest();
                calls++;
                failures += failureRate;
                if (failures >= 1) {
                    failures -= 1;
                    if (budget.tryAcquireRetry()) {
                        retries++;
                    }
                }
                now.addAndGet(step);
            }
        }
        return new long[] {calls, retries};
    }

    @Test
    void budget_stopsRetriesWhenEveryCallFails() {
        RetryBudget budget = budget(0.2, 10);
        long[] r = simulate(budget, now, 60, 1_000, 1.0);
        // 60 s at 1,000 calls/s, all failing: at most 20% plus the floor of 10/s is retried.
        double share = (double) r[1] / r[0];
        assertTrue(share <= 0.2 + 10.0 / 1_000 + 0.005, "retried share " + share);
        assertTrue(share >= 0.18, "budget should still grant its 20%, granted " + share);
    }

    @Test
    void budget_allowsEveryRetryWhenFailuresAreRare() {
        RetryBudget budget = budget(0.2, 10);
        long[] r = simulate(budget, now, 60, 1_000, 0.05);
        assertEquals(60 * 1_000 / 20, r[1], "every one of the 5% failures is retried");
    }

    @Test
    void budget_floorGrantsRetriesWithoutTraffic() {
        RetryBudget budget = budget(0.2, 10);
        int granted = 0;
        for (int i = 0; i < 1_000; i++) {
            if (budget.tryAcquireRetry()) {
                granted++;
            }
        }
        assertEquals(100, granted, "10/s over a 10 s window");
    }

    @Test
    void budget_refillsAfterTheWindowSlidesPast() {
        RetryBudget budget = budget(0, 1);
        for (int i = 0; i < 10; i++) {
            assertTrue(budget.tryAcquireRetry());
        }
        assertFalse(budget.tryAcquireRetry());
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertTrue(budget.tryAcquireRetry(), "old retries left the window");
    }

    @Test
    void none_neverGrantsARetry() {
        RetryBudget budget = RetryBudget.none();
        for (int i = 0; i < 100; i++) {
            budget.onRequest();
        }
        assertFalse(budget.tryAcquireRetry());
    }

    @Test
    void concurrentRetries_neverExceedTheBudget() throws Exception {
        RetryBudget budget = budget(0.1, 0);
        for (int i = 0; i < 10_000; i++) {
            budget.onRequest();
        }
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int t = 0; t < 4; t++) {
                pool.execute(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < 1_000; i++) {
                        if (budget.tryAcquireRetry()) {
                            granted.incrementAndGet();
                        }
                    }
                });
            }
            start.countDown();
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        assertTrue(granted.get() <= 1_000, "granted " + granted.get());
        assertTrue(granted.get() >= 900, "granted " + granted.get());
    }

    @Test
    void builder_rejectsOutOfRangeValuesNamingTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetryBudget.builder().retryRatio(-0.1));
        assertTrue(e.getMessage().contains("retryRatio must be in 0..10"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RetryBudget.builder().window(Duration.ofMillis(10)));
        assertTrue(e.getMessage().contains("window must be in 1 s..1 h"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RetryBudget.builder().minRetriesPerSecond(-1));
        assertTrue(e.getMessage().contains("minRetriesPerSecond"), e.getMessage());
    }

    @Test
    void builder_rejectsASecondValueForAnOption() {
        RetryBudget.Builder b = RetryBudget.builder().retryRatio(0.5);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.retryRatio(0.1));
        assertTrue(e.getMessage().contains("0.5"), e.getMessage());
    }

    /**
     * A ticker promises differences only, and its readings may wrap past Long.MAX_VALUE. The
     * budget keyed its slots on the absolute reading: after the wrap, a slot from before it
     * looked newer than every later one, and the retries counted in the slot that shared its
     * place were never summed (1,000 of 1,000 granted where 5 were due).
     */
    @Test
    void tickerWrappingPastLongMaxValue_stillLimitsRetries() {
        for (int k = 0; k < 10; k++) { // every place of the wrap among the window's 10 slots
            AtomicLong clock = new AtomicLong(Long.MAX_VALUE - 500_000_000L);
            RetryBudget budget = RetryBudget.builder().retryRatio(0).minRetriesPerSecond(5)
                    .window(Duration.ofSeconds(1)).ticker(clock::get).build();
            assertEquals(5, grantedOf(budget, 1_000), "before the wrap");
            long advance = 3_000_000_000L + 100_000_000L * k;
            clock.addAndGet(advance); // wraps to a negative reading
            assertTrue(clock.get() < 0);
            assertEquals(5, grantedOf(budget, 1_000), "after the wrap, +" + advance / 1_000_000
                    + " ms: 5 retries per 1 s window");
        }
    }

    private static int grantedOf(RetryBudget budget, int asks) {
        int granted = 0;
        for (int i = 0; i < asks; i++) {
            if (budget.tryAcquireRetry()) {
                granted++;
            }
        }
        return granted;
    }
}
