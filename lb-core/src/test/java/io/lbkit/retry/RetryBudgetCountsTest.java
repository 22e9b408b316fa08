package io.lbkit.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetCountsTest {

    @Test
    void counts_areCumulative_acrossWindows() {
        AtomicLong now = new AtomicLong();
        RetryBudget budget = RetryBudget.builder().retryRatio(0).minRetriesPerSecond(1)
                .window(Duration.ofSeconds(2)).ticker(now::get).build(); // 2 retries per window
        for (int window = 0; window < 3; window++) {
            for (int i = 0; i < 5; i++) {
                budget.onRequest();
                budget.tryAcquireRetry();
            }
            now.addAndGet(Duration.ofSeconds(3).toNanos()); // past the whole window
        }
        assertEquals(15, budget.requests());
        assertEquals(6, budget.retriesGranted());
        assertEquals(9, budget.retriesDenied());
    }

    @Test
    void counts_startAtZero() {
        RetryBudget budget = RetryBudget.of();
        assertEquals(0, budget.requests());
        assertEquals(0, budget.retriesGranted());
        assertEquals(0, budget.retriesDenied());
    }
}
