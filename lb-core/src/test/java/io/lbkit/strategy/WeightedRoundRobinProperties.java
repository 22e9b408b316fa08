package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Disabled;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Smooth weighted round robin: exact shares per cycle and bounded runs.
 *
 * <p>The run bound follows from the construction documented in {@code WeightedRoundRobin}: in the
 * cycle [0, 1), endpoint i's turns fall due every 1/w_i (w_i its gcd-reduced weight) and the
 * schedule lists all turns in due order. A run of r turns of i spans (r − 1)/w_i of the cycle with
 * no turn of any other endpoint j strictly inside it; j has a turn in every window of length
 * 1/w_j, so (r − 1)/w_i ≤ 1/w_j for every j ≠ i, that is r ≤ 1 + floor(w_i / max_{j≠i} w_j). The
 * schedule is walked cyclically, so runs are counted across the wrap as well.
 *
 * <p>That bound is weak when one endpoint is heavy and the others light (weights 100, 1, 1, 1
 * allow a run of 101). The sensible bound — an endpoint with w_i of T turns can be spread over the
 * T − w_i gaps between the others' turns, so r ≤ ceil(w_i / (T − w_i)) + 1 — does not hold for this
 * construction; see {@link #schedule_runsAtMostOneMoreThanAnEvenSpreadOverTheOthersGaps}.
 */
class WeightedRoundRobinProperties {

    @Provide
    Arbitrary<int[]> weights() {
        Arbitrary<Integer> weight = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(1, 6)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(1, 300)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 65_535)));
        return weight.array(int[].class).ofMinSize(1).ofMaxSize(40)
                .filter(w -> reducedTotal(w) <= WeightedRoundRobin.MAX_SCHEDULE);
    }

    @Property(tries = 500)
    void schedule_givesEachEndpointExactlyItsReducedWeightPerCycle(
            @ForAll("weights") int[] weights) {
        int[] schedule = WeightedRoundRobin.schedule(weights);
        int g = gcd(weights);
        assertEquals(reducedTotal(weights), schedule.length, "cycle length");
        int[] counts = new int[weights.length];
        for (int i : schedule) {
            counts[i]++;
        }
        for (int i = 0; i < weights.length; i++) {
            assertEquals(weights[i] / g, counts[i], "turns of endpoint " + i + " in "
                    + Arrays.toString(weights));
        }
    }

    @Property(tries = 500)
    void schedule_runsAreBoundedByTheEarliestDeadlineConstruction(
            @ForAll("weights") int[] weights) {
        int n = weights.length;
        if (n < 2) {
            return;
        }
        int g = gcd(weights);
        int[] runs = longestCyclicRuns(WeightedRoundRobin.schedule(weights), n);
        for (int i = 0; i < n; i++) {
            int heaviestOther = 0;
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    heaviestOther = Math.max(heaviestOther, weights[j] / g);
                }
            }
            int bound = 1 + (weights[i] / g) / heaviestOther;
            assertTrue(runs[i] <= bound, "endpoint " + i + " of " + Arrays.toString(weights)
                    + " runs " + runs[i] + " times in a row, bound " + bound);
        }
    }

    /**
     * The smoothness a user would expect. Fails for the current construction, for example with
     * weights 100, 2, 1 (a run of 50 where 35 is the bound) and 4, 3, 1, 191, 3, 4, 2, 5, 2 (a run
     * of 32 where 8 would do): reported to the lead rather than weakened.
     */
    @Disabled("the EDF schedule violates it; counterexamples reported on issue 2")
    @Property(tries = 500)
    void schedule_runsAtMostOneMoreThanAnEvenSpreadOverTheOthersGaps(
            @ForAll("weights") int[] weights) {
        int n = weights.length;
        if (n < 2) {
            return;
        }
        int g = gcd(weights);
        int total = reducedTotal(weights);
        int[] runs = longestCyclicRuns(WeightedRoundRobin.schedule(weights), n);
        for (int i = 0; i < n; i++) {
            int w = weights[i] / g;
            int bound = (w + (total - w) - 1) / (total - w) + 1;
            assertTrue(runs[i] <= bound, "endpoint " + i + " of " + Arrays.toString(weights)
                    + " runs " + runs[i] + " times in a row, bound " + bound);
        }
    }

    @Provide
    Arbitrary<int[]> smallWeights() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 6),
                Arbitraries.integers().between(1, 300))
                .array(int[].class).ofMinSize(1).ofMaxSize(20);
    }

    @Property(tries = 200)
    void picker_givesExactSharesOverWholeCyclesFromAnyStartingPoint(
            @ForAll("smallWeights") int[] weights,
            @ForAll @IntRange(min = 1, max = 3) int cycles,
            @ForAll @IntRange(min = 0, max = 10_000) int alreadyPicked) {
        int total = reducedTotal(weights);
        int g = gcd(weights);
        Picker picker = Strategy.weightedRoundRobin().newPicker(ScriptedCandidates.weighted(weights));
        for (int i = 0; i < alreadyPicked; i++) {
            picker.pick();
        }
        long[] counts = ScriptedCandidates.countPicks(picker, weights.length, cycles * total);
        for (int i = 0; i < weights.length; i++) {
            assertEquals((long) cycles * weights[i] / g, counts[i], "endpoint " + i + " of "
                    + Arrays.toString(weights));
        }
    }

    @Property(tries = 100)
    void balancer_givesExactWeightSharesPerCycle(
            @ForAll @IntRange(min = 1, max = 8) int n,
            @ForAll @IntRange(min = 1, max = 1000) int seed) {
        List<Endpoint> endpoints = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < n; i++) {
            int w = 1 + (seed * (i + 3)) % 13;
            total += w;
            endpoints.add(Endpoint.of("10.2.0." + i, 80, w));
        }
        int g = gcd(endpoints.stream().mapToInt(Endpoint::weight).toArray());
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                .strategy(Strategy.weightedRoundRobin()).build()) {
            Map<Endpoint, Integer> counts = new HashMap<>();
            for (int k = 0; k < 2 * total / g; k++) {
                Pick p = lb.pick();
                counts.merge(p.endpoint(), 1, Integer::sum);
                p.onSuccess(1_000);
            }
            for (Endpoint e : endpoints) {
                assertEquals(2 * e.weight() / g, counts.getOrDefault(e, 0), "picks of " + e);
            }
        }
    }

    @Property(tries = 25) // each try sorts a schedule of 262,144 entries
    void schedule_scalesLargeTotalsProportionallyAndKeepsEveryEndpoint(
            @ForAll @IntRange(min = 8, max = 40) int n,
            @ForAll @IntRange(min = 1, max = 1_000_000) int seed) {
        // Pairwise coprime-ish large weights: the reduced total exceeds the schedule cap.
        int[] weights = new int[n];
        long total = 0;
        for (int i = 0; i < n; i++) {
            weights[i] = i == 0 ? 1 : 10_000 + (int) (((long) seed * (2 * i + 1)) % 55_535);
            total += weights[i];
        }
        if (reducedTotal(weights) <= WeightedRoundRobin.MAX_SCHEDULE) {
            return;
        }
        int[] schedule = WeightedRoundRobin.schedule(weights);
        assertTrue(schedule.length <= WeightedRoundRobin.MAX_SCHEDULE + n,
                "schedule length " + schedule.length);
        int[] counts = new int[n];
        for (int i : schedule) {
            counts[i]++;
        }
        for (int i = 0; i < n; i++) {
            double exact = (double) weights[i] * WeightedRoundRobin.MAX_SCHEDULE / total;
            assertTrue(counts[i] >= 1, "endpoint " + i + " never scheduled");
            assertTrue(Math.abs(counts[i] - exact) <= 1, "endpoint " + i + " has " + counts[i]
                    + " turns, proportional share " + exact);
        }
    }

    /** The longest run of each index, reading the schedule as a cycle. */
    static int[] longestCyclicRuns(int[] schedule, int n) {
        int len = schedule.length;
        int[] longest = new int[n];
        int start = 0;
        while (start < len && schedule[start] == schedule[(start - 1 + len) % len]) {
            start++;
        }
        if (start == len) { // one index only
            longest[schedule[0]] = len;
            return longest;
        }
        int run = 0;
        int previous = -1;
        for (int k = 0; k < len; k++) {
            int x = schedule[(start + k) % len];
            run = x == previous ? run + 1 : 1;
            previous = x;
            longest[x] = Math.max(longest[x], run);
        }
        return longest;
    }

    static int gcd(int[] weights) {
        int g = 0;
        for (int w : weights) {
            int a = g;
            int b = w;
            while (b != 0) {
                int t = a % b;
                a = b;
                b = t;
            }
            g = a;
        }
        return g;
    }

    static int reducedTotal(int[] weights) {
        int g = gcd(weights);
        long total = 0;
        for (int w : weights) {
            total += w / g;
        }
        return (int) Math.min(total, Integer.MAX_VALUE);
    }
}
