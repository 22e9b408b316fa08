package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The power-of-choices strategies send less traffic to endpoints with more calls in flight or
 * higher latency. Against a fixed {@link ScriptedCandidates} the share of each endpoint under two
 * choices is known exactly — endpoint i wins against each other endpoint k with cost above its
 * own, ties half the time, and each pair is drawn with probability 1 / C(n, 2) — so the observed
 * counts must fit it (chi-square, p = 0.001); through the real balancer, the load and latency
 * come from held picks and reports under a fake clock.
 */
class P2cProperties {

    private static final int PICKS = 40_000;

    @Provide
    Arbitrary<int[]> loads() {
        return Arbitraries.integers().between(0, 4).array(int[].class).ofMinSize(2).ofMaxSize(12);
    }

    @Property(tries = 100, seed = "20261122")
    void leastRequest_sharesMatchTheExactTwoChoiceDistribution(@ForAll("loads") int[] loads,
            @ForAll long seed) {
        ScriptedCandidates c = ScriptedCandidates.uniform(loads.length);
        double[] cost = new double[loads.length];
        for (int i = 0; i < loads.length; i++) {
            c.withInFlight(i, loads[i]);
            cost[i] = loads[i];
        }
        Picker picker = new LeastRequest(2, RandomSource.seeded(seed)).newPicker(c);
        assertMatchesTwoChoiceShares(ScriptedCandidates.countPicks(picker, loads.length, PICKS), cost);
    }

    @Property(tries = 100, seed = "20261122")
    void peakEwma_sharesMatchTheExactTwoChoiceDistribution(@ForAll("loads") int[] loads,
            @ForAll long seed) {
        ScriptedCandidates c = ScriptedCandidates.uniform(loads.length);
        double[] cost = new double[loads.length];
        for (int i = 0; i < loads.length; i++) {
            double latency = 1_000_000 * (1 + (i * 7 + loads[i]) % 5); // 1..5 ms
            c.withInFlight(i, loads[i]).withLatency(i, latency);
            cost[i] = latency * (loads[i] + 1);
        }
        Picker picker = new PeakEwma(Duration.ofSeconds(10), RandomSource.seeded(seed))
                .newPicker(c);
        assertMatchesTwoChoiceShares(ScriptedCandidates.countPicks(picker, loads.length, PICKS), cost);
    }

    @Property(tries = 100, seed = "20261122")
    void leastRequest_withMoreChoices_sendsLessTrafficToTheMoreLoadedEndpoint(
            @ForAll("loads") int[] loads, @ForAll @IntRange(min = 2, max = 10) int choices,
            @ForAll long seed) {
        int most = argMax(loads);
        int least = argMin(loads);
        if (loads[most] == loads[least]) {
            return;
        }
        ScriptedCandidates c = ScriptedCandidates.uniform(loads.length);
        for (int i = 0; i < loads.length; i++) {
            c.withInFlight(i, loads[i]);
        }
        long[] counts = ScriptedCandidates.countPicks(
                new LeastRequest(choices, RandomSource.seeded(seed)).newPicker(c),
                loads.length, PICKS);
        // Swapping the two endpoints' loads turns every draw that picks `most` into one that
        // picks `least`, and some draws (those with both) pick only `least`: strictly less.
        assertTrue(counts[most] < counts[least] * 0.9, "loads " + Arrays.toString(loads)
                + ", " + choices + " choices, counts " + Arrays.toString(counts));
    }

    // --- through the real balancer ----------------------------------------------------------

    @Property(tries = 40, seed = "20261122")
    void balancer_leastRequest_sendsLessTrafficToEndpointWithHeldPicks(
            @ForAll @IntRange(min = 2, max = 8) int n,
            @ForAll @IntRange(min = 1, max = 5) int held,
            @ForAll @IntRange(min = 2, max = 4) int choices,
            @ForAll long seed) {
        ForcingStrategy strategy = new ForcingStrategy(
                new LeastRequest(choices, RandomSource.seeded(seed)));
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(n)))
                .strategy(strategy).build()) {
            List<Pick> open = hold(lb, strategy, 0, held);
            long[] counts = pickAndRelease(lb, n, 10_000);
            assertBusyEndpointGetsLess(counts, 0, "leastRequest(" + choices + "), " + held
                    + " held");
            open.forEach(Pick::release);
            assertEquals(0, lb.stats().get(0).inFlight());
        }
    }

    @Property(tries = 40, seed = "20261122")
    void balancer_peakEwma_sendsLessTrafficToEndpointWithHeldPicks(
            @ForAll @IntRange(min = 2, max = 8) int n,
            @ForAll @IntRange(min = 1, max = 5) int held,
            @ForAll long seed) {
        AtomicLong clock = new AtomicLong();
        ForcingStrategy strategy = new ForcingStrategy(
                new PeakEwma(Duration.ofSeconds(10), RandomSource.seeded(seed)));
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(n)))
                .strategy(strategy).ticker(clock::get).build()) {
            // Every endpoint proves a latency of 2 ms, then endpoint 0 gets busy.
            for (int i = 0; i < n; i++) {
                strategy.force(i);
                lb.pick().onSuccess(2_000_000);
            }
            List<Pick> open = hold(lb, strategy, 0, held);
            long[] counts = new long[n];
            for (int k = 0; k < 10_000; k++) {
                Pick p = lb.pick();
                counts[index(p)]++;
                clock.addAndGet(100_000); // 0.1 ms between calls
                p.onSuccess(2_000_000);
            }
            assertBusyEndpointGetsLess(counts, 0, "peakEwma, " + held + " held");
            open.forEach(Pick::release);
        }
    }

    @Property(tries = 40, seed = "20261122")
    void balancer_peakEwma_sendsLessTrafficToSlowerEndpoint(
            @ForAll @IntRange(min = 2, max = 8) int n,
            @ForAll @IntRange(min = 2, max = 20) int slowdown,
            @ForAll long seed) {
        AtomicLong clock = new AtomicLong();
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(n)))
                .strategy(new PeakEwma(Duration.ofSeconds(10), RandomSource.seeded(seed)))
                .ticker(clock::get).build()) {
            // Endpoint 0 answers in slowdown × 1 ms, the others in 1 ms; calls run one at a
            // time, the fake clock advancing by each call's latency.
            long[] counts = new long[n];
            for (int k = 0; k < 10_000; k++) {
                Pick p = lb.pick();
                int i = index(p);
                counts[i]++;
                long latency = i == 0 ? slowdown * 1_000_000L : 1_000_000L;
                clock.addAndGet(latency);
                p.onSuccess(latency);
            }
            assertBusyEndpointGetsLess(counts, 0, "peakEwma, endpoint 0 " + slowdown
                    + "x slower");
            assertTrue(lb.stats().get(0).latency().orElseThrow()
                    .compareTo(lb.stats().get(1).latency().orElseThrow()) > 0,
                    "stats show endpoint 0 slower: " + lb.stats());
        }
    }

    // --- helpers ----------------------------------------------------------------------------

    /** Under two choices, the exact share of each endpoint given each endpoint's cost. */
    static double[] twoChoiceShares(double[] cost) {
        int n = cost.length;
        double pairs = n * (n - 1) / 2.0;
        double[] share = new double[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                if (k != i) {
                    share[i] += cost[i] < cost[k] ? 1 : cost[i] == cost[k] ? 0.5 : 0;
                }
            }
            share[i] /= pairs;
        }
        return share;
    }

    private static void assertMatchesTwoChoiceShares(long[] counts, double[] cost) {
        double[] share = twoChoiceShares(cost);
        List<Long> observed = new ArrayList<>();
        List<Double> expected = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (share[i] == 0) { // loses against every other endpoint: never picked
                assertEquals(0, counts[i], "endpoint " + i + " of costs " + Arrays.toString(cost)
                        + " has the highest cost and no tie, counts " + Arrays.toString(counts));
            } else {
                observed.add(counts[i]);
                expected.add(share[i]);
            }
        }
        if (observed.size() < 2) {
            return;
        }
        double x = ChiSquare.statistic(observed.stream().mapToLong(Long::longValue).toArray(),
                expected.stream().mapToDouble(Double::doubleValue).toArray());
        double critical = ChiSquare.criticalValue(observed.size() - 1, ChiSquare.ALPHA);
        assertTrue(x <= critical, "chi-square " + x + " > " + critical + " for costs "
                + Arrays.toString(cost) + ", counts " + Arrays.toString(counts)
                + ", expected shares " + Arrays.toString(share));
    }

    /** The busy endpoint gets well under the average share of the others. */
    private static void assertBusyEndpointGetsLess(long[] counts, int busy, String what) {
        long others = 0;
        for (int i = 0; i < counts.length; i++) {
            if (i != busy) {
                others += counts[i];
            }
        }
        double othersAverage = (double) others / (counts.length - 1);
        assertTrue(counts[busy] < othersAverage / 2, what + ": busy endpoint got "
                + counts[busy] + ", the others " + othersAverage + " on average, counts "
                + Arrays.toString(counts));
    }

    private static int argMax(int[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int argMin(int[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[best]) {
                best = i;
            }
        }
        return best;
    }

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            endpoints.add(Endpoint.of("10.4.0." + i, 8080));
        }
        return endpoints;
    }

    private static int index(Pick p) {
        String host = p.endpoint().host();
        return Integer.parseInt(host.substring(host.lastIndexOf('.') + 1));
    }

    private static List<Pick> hold(LoadBalancer lb, ForcingStrategy strategy, int index,
            int count) {
        List<Pick> open = new ArrayList<>();
        strategy.force(index);
        for (int k = 0; k < count; k++) {
            open.add(lb.pick());
        }
        strategy.force(-1);
        assertEquals(count, lb.stats().get(index).inFlight());
        return open;
    }

    private static long[] pickAndRelease(LoadBalancer lb, int n, int picks) {
        long[] counts = new long[n];
        for (int k = 0; k < picks; k++) {
            Pick p = lb.pick();
            counts[index(p)]++;
            p.release();
        }
        return counts;
    }

    /**
     * Wraps a strategy so the test can steer picks onto one endpoint (to create in-flight load
     * through the real balancer, which the wrapped strategy itself would avoid).
     */
    static final class ForcingStrategy implements Strategy {
        private final Strategy delegate;
        private final AtomicInteger forced = new AtomicInteger(-1);

        ForcingStrategy(Strategy delegate) {
            this.delegate = delegate;
        }

        void force(int index) {
            forced.set(index);
        }

        @Override
        public Picker newPicker(Candidates candidates) {
            Picker picker = delegate.newPicker(candidates);
            return () -> {
                int f = forced.get();
                return f >= 0 ? f : picker.pick();
            };
        }

        @Override
        public Duration latencyDecay() {
            return delegate.latencyDecay();
        }
    }
}
