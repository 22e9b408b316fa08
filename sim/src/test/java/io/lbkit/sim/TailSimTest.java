package io.lbkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.retry.HedgePolicy;
import io.lbkit.retry.RetryBudget;
import io.lbkit.strategy.Strategy;
import org.junit.jupiter.api.Test;

/** Short runs of the tail simulations: the features do what the tables claim, in miniature. */
class TailSimTest {

    private static final long S = 1_000_000_000L;

    @Test
    void heavyTail_hedgingCutsP999ForAboutFivePercentMoreRequests() {
        TailSim.Run plain = new TailSim(Strategy.roundRobin(), 7, 5 * S, 25 * S)
                .heavyTail(0.5, null, null);
        TailSim sim = new TailSim(Strategy.roundRobin(), 7, 5 * S, 25 * S);
        HedgePolicy policy = HedgePolicy.builder().ticker(sim.clock).build();
        RetryBudget budget = RetryBudget.builder().ticker(sim.clock).build();
        TailSim.Run hedged = sim.heavyTail(0.5, policy, budget);
        assertEquals(plain.calls(), hedged.calls(), "the same calls arrive");
        assertEquals(0, plain.hedges());
        long p = Result.quantile(plain.latencies(), 0.999);
        long h = Result.quantile(hedged.latencies(), 0.999);
        assertTrue(h * 3 <= p, "p99.9 hedged " + h + " vs " + p);
        double share = (double) hedged.hedges() / hedged.calls();
        assertTrue(share > 0.03 && share < 0.07, "hedged share " + share);
        assertEquals(hedged.calls(), hedged.latencies().length, "every call answered");
    }

    @Test
    void heavyTail_anEmptyBudgetMeansNoHedges() {
        TailSim sim = new TailSim(Strategy.roundRobin(), 3, S, 6 * S);
        HedgePolicy policy = HedgePolicy.builder().ticker(sim.clock).build();
        TailSim.Run r = sim.heavyTail(0.5, policy, RetryBudget.none());
        assertEquals(0, r.hedges());
        assertEquals(r.calls(), r.latencies().length, "every call answered by its first attempt");
        assertTrue(policy.delayNanos() < HedgePolicy.DEFAULT_MAX_DELAY.toNanos(),
                "the policy learnt the latency all the same: " + policy.delay());
    }

    @Test
    void overloadRamp_theLimitKeepsGoodputWhereUnlimitedCollapses() {
        double capacity = TailSim.SERVERS * TailSim.WORKERS / (10.0 * TailSim.MS) * 1e9;
        TailSim.Run none = new TailSim(Strategy.roundRobin(), 5, 10 * S, 30 * S)
                .overloadRamp(0.5, 2.0);
        TailSim.Run limited = new TailSim(Strategy.roundRobin(), 5, 10 * S, 30 * S,
                ConcurrencyLimit.gradient()).overloadRamp(0.5, 2.0);
        double g0 = none.goodCalls() / (none.durationNanos() / 1e9) / capacity;
        double g1 = limited.goodCalls() / (limited.durationNanos() / 1e9) / capacity;
        assertTrue(g1 >= 0.9, "goodput with the limit " + g1);
        assertTrue(g0 < 0.8, "goodput without " + g0);
        assertTrue(Result.quantile(limited.latencies(), 0.99) < 200 * TailSim.MS,
                "p99 of answered calls with the limit");
        assertTrue(limited.rejected() > 0, "some calls were refused at once");
        assertEquals(0, none.rejected());
    }
}
