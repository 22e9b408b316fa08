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
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Smooth weighted round robin: exact shares per cycle and bounded runs.
 *
 * <p>Runs are counted reading the schedule as a cycle (across the wrap), since a picker walks it
 * cyclically. An endpoint with w of the cycle's T turns (gcd-reduced) must run ⌈w / (T − w)⌉
 * times somewhere when w &gt; T/2: its turns fill the T − w gaps between the others'. The
 * construction documented in {@code WeightedRoundRobin} keeps every run within max(2, that
 * minimum); the weaker bound ⌈w / (T − w)⌉ + 1 is the one issue 2 asked for.
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
    void schedule_runsAtMostTwiceOrTheFewestTimesTheHeaviestCan(
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
            int bound = Math.max(2, ceilDiv(w, total - w));
            assertTrue(runs[i] <= bound, "endpoint " + i + " of " + Arrays.toString(weights)
                    + " runs " + runs[i] + " times in a row, bound " + bound);
        }
    }

    /**
     * The smoothness issue 2 asks for. The earlier, purely earliest-deadline-first schedule broke
     * it for about one weight set in six, for example with weights 100, 2, 1 (a run of 50 where
     * 35 is the bound) and 50, 3, 2, 1 (16 where 10 is).
     */
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
            int bound = ceilDiv(w, total - w) + 1;
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
        int[] runs = longestCyclicRuns(schedule, n);
        for (int i = 0; i < n; i++) { // the scaled weights are the counts
            int bound = Math.max(2, ceilDiv(counts[i], schedule.length - counts[i]));
            assertTrue(runs[i] <= bound, "endpoint " + i + " of " + Arrays.toString(weights)
                    + " (scaled to " + counts[i] + " of " + schedule.length + ") runs " + runs[i]
                    + " times in a row, bound " + bound);
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

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
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
