package io.lbkit.retry;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Invariants of one call's hedging under any sequence of hedge requests and closes. */
class HedgeCallProperties {

    /**
     * Steps: 0-7 ask for a hedge, 8 is a non-retryable answer (stop), 9 a success (finish).
     * Hedges granted never exceed maxHedges nor the budget's tokens, and none is granted after
     * the call closed.
     */
    @Property(tries = 500)
    void hedges_respectMaxHedgesTheBudgetAndClosing(
            @ForAll @IntRange(min = 1, max = HedgePolicy.MAX_HEDGES) int maxHedges,
            @ForAll @IntRange(min = 0, max = 5) int tokens,
            @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 9) Integer> steps) {
        AtomicLong now = new AtomicLong();
        // A floor of 1/s over a 10 s window with no ratio: exactly 10 tokens; spend 10 - tokens.
        RetryBudget budget = RetryBudget.builder().retryRatio(0).minRetriesPerSecond(1)
                .ticker(now::get).build();
        for (int i = 0; i < 10 - tokens; i++) {
            budget.tryAcquireRetry();
        }
        HedgePolicy.HedgedCall call = HedgePolicy.builder().delay(Duration.ofMillis(1))
                .maxHedges(maxHedges).build().start(budget);
        int granted = 0;
        boolean closed = false;
        for (int step : steps) {
            if (step == 8) {
                call.stop();
                closed = true;
            } else if (step == 9) {
                call.finish();
                closed = true;
            } else if (call.tryHedge()) {
                if (closed) {
                    throw new AssertionError("hedge granted after the call closed");
                }
                granted++;
            }
            if (call.isOpen() == closed) {
                throw new AssertionError("isOpen " + call.isOpen() + " after closed=" + closed);
            }
            if (call.hedgesSent() != granted) {
                throw new AssertionError("hedgesSent " + call.hedgesSent() + ", granted " + granted);
            }
        }
        if (granted > Math.min(maxHedges, tokens)) {
            throw new AssertionError(granted + " hedges for max " + maxHedges + " and " + tokens
                    + " tokens");
        }
        long asks = steps.stream().takeWhile(s -> s < 8).count();
        if (granted < Math.min(asks, Math.min(maxHedges, tokens))) {
            throw new AssertionError("only " + granted + " of " + asks + " asks granted with max "
                    + maxHedges + " and " + tokens + " tokens");
        }
    }
}
