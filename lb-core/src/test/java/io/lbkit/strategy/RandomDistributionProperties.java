package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random and weighted random pass Pearson's chi-square test at p = 0.001 with n − 1 degrees of
 * freedom. The jqwik seed is fixed, and so is every strategy's random source: the outcome is
 * deterministic, so a pass here is not luck that a later run can lose.
 */
class RandomDistributionProperties {

    @Property(tries = 60, seed = "20261122")
    void random_isUniform(
            @ForAll @IntRange(min = 2, max = 200) int n, @ForAll long seed) {
        Picker picker = new RandomStrategy(RandomSource.seeded(seed))
                .newPicker(ScriptedCandidates.uniform(n));
        long[] counts = ScriptedCandidates.countPicks(picker, n, 200 * n);
        double[] expected = new double[n];
        Arrays.fill(expected, 1);
        assertFits(counts, expected);
    }

    @Provide
    Arbitrary<int[]> weights() {
        Arbitrary<Integer> weight = Arbitraries.oneOf(
                Arbitraries.integers().between(1, 10),
                Arbitraries.integers().between(1, 1000),
                Arbitraries.integers().between(1, 65_535));
        return weight.array(int[].class).ofMinSize(2).ofMaxSize(30);
    }

    @Property(tries = 60, seed = "20261122")
    void weightedRandom_isProportionalToWeight(@ForAll("weights") int[] weights,
            @ForAll long seed) {
        Picker picker = new WeightedRandom(RandomSource.seeded(seed))
                .newPicker(ScriptedCandidates.weighted(weights));
        long total = 0;
        int min = Integer.MAX_VALUE;
        for (int w : weights) {
            total += w;
            min = Math.min(min, w);
        }
        // At least 8 expected picks of the lightest endpoint (chi-square wants 5 or more).
        int picks = (int) Math.max(50_000, 8 * total / min);
        long[] counts = ScriptedCandidates.countPicks(picker, weights.length, picks);
        assertFits(counts, Arrays.stream(weights).asDoubleStream().toArray());
    }

    @Property(tries = 10, seed = "20261122")
    void balancer_random_isUniformOverTheGroup(
            @ForAll @IntRange(min = 2, max = 20) int n, @ForAll long seed) {
        assertBalancerFits(new RandomStrategy(RandomSource.seeded(seed)), n, false);
    }

    @Property(tries = 10, seed = "20261122")
    void balancer_weightedRandom_isProportionalToWeight(
            @ForAll @IntRange(min = 2, max = 20) int n, @ForAll long seed) {
        assertBalancerFits(new WeightedRandom(RandomSource.seeded(seed)), n, true);
    }

    private static void assertBalancerFits(Strategy strategy, int n, boolean weighted) {
        List<Endpoint> endpoints = new ArrayList<>();
        double[] expected = new double[n];
        for (int i = 0; i < n; i++) {
            int w = 1 + (i * 7) % 10;
            endpoints.add(Endpoint.of("10.3.0." + i, 443, w));
            expected[i] = weighted ? w : 1;
        }
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                .strategy(strategy).build()) {
            long[] counts = new long[n];
            for (int k = 0; k < 2_000 * n; k++) {
                Pick p = lb.pick();
                counts[endpoints.indexOf(p.endpoint())]++;
                p.release();
            }
            assertFits(counts, expected);
        }
    }

    private static void assertFits(long[] counts, double[] weights) {
        double x = ChiSquare.statistic(counts, weights);
        double critical = ChiSquare.criticalValue(counts.length - 1, ChiSquare.ALPHA);
        assertTrue(x <= critical, "chi-square " + x + " > " + critical + " (p = "
                + ChiSquare.ALPHA + ", " + (counts.length - 1) + " degrees of freedom) for counts "
                + Arrays.toString(counts) + " and weights " + Arrays.toString(weights));
    }
}
