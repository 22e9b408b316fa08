package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Where the round-robin pickers start their cycle: at an offset drawn from the strategy's random
 * source, so that many clients over one list, or one client across rebuilds, do not all begin at
 * the first endpoint and walk the list in lockstep.
 */
class RoundRobinStartTest {

    private static final int PICKERS = 2_000;

    @Test
    void roundRobin_startsEachPickerAtARandomOffset() {
        int n = 10;
        long[] firsts = firstPicks(new RoundRobin(RandomSource.seeded(42)), ScriptedCandidates.uniform(n));
        // A fixed start (the regression) puts all 2,000 first picks on one endpoint; a uniform
        // start gives each of the 10 about 200 (at least 140 holds with probability > 1 - 1e-5).
        for (int i = 0; i < n; i++) {
            assertTrue(firsts[i] >= 140, "pickers starting at endpoint " + i + ": "
                    + Arrays.toString(firsts));
        }
    }

    @Test
    void weightedRoundRobin_startsEachPickerAtARandomPointOfItsSchedule() {
        // Weights 1 each: the schedule is the list itself, so the first pick is the start point.
        int n = 10;
        long[] firsts = firstPicks(new WeightedRoundRobin(RandomSource.seeded(42)),
                ScriptedCandidates.weighted(1, 1, 1, 1, 1, 1, 1, 1, 1, 1));
        for (int i = 0; i < n; i++) {
            assertTrue(firsts[i] >= 140, "pickers starting at endpoint " + i + ": "
                    + Arrays.toString(firsts));
        }
    }

    @Test
    void roundRobin_startIsDeterministicForAnInjectedSeed() {
        Candidates c = ScriptedCandidates.uniform(100);
        assertArrayEquals(firstPicks(new RoundRobin(RandomSource.seeded(7)), c),
                firstPicks(new RoundRobin(RandomSource.seeded(7)), c));
    }

    @Test
    void roundRobinWithASeed_repeatsItsStartsExactly_andStillSpreadsThem() {
        Candidates c = ScriptedCandidates.uniform(10);
        long[] firsts = firstPicks(Strategy.roundRobin(5), c);
        assertArrayEquals(firsts, firstPicks(Strategy.roundRobin(5), c));
        for (int i = 0; i < 10; i++) {
            assertTrue(firsts[i] >= 140, "pickers starting at endpoint " + i + ": "
                    + Arrays.toString(firsts));
        }
    }

    @Test
    void roundRobin_stillCyclesExactlyFromItsRandomStart() {
        Strategy rr = new RoundRobin(RandomSource.seeded(3));
        for (int p = 0; p < 50; p++) {
            int n = 2 + p;
            long[] counts = ScriptedCandidates.countPicks(rr.newPicker(ScriptedCandidates.uniform(n)),
                    n, 3 * n);
            for (int i = 0; i < n; i++) {
                assertEquals(3, counts[i], "picks of endpoint " + i + " of " + n);
            }
        }
    }

    /** How many of {@link #PICKERS} new pickers over {@code c} pick each index first. */
    private static long[] firstPicks(Strategy strategy, Candidates c) {
        long[] firsts = new long[c.size()];
        for (int p = 0; p < PICKERS; p++) {
            firsts[strategy.newPicker(c).pick()]++;
        }
        return firsts;
    }
}
