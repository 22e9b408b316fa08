package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.internal.XxHash64;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Consistent hashing with bounded loads keeps every endpoint within ceil(c × average). */
class BoundedLoadProperties {

    @Provide
    Arbitrary<Double> factors() {
        return Arbitraries.of(1.0, 1.1, 1.25, 1.5, 2.0);
    }

    /**
     * Random interleavings of picks (mostly on a few hot keys) and completions, with many calls in
     * flight at once: at the moment of each pick the chosen endpoint holds fewer calls than its
     * capacity, so after the pick it holds at most ceil(c × (T + 1) × w / W), T + 1 counting
     * the new call (for equal weights: ceil(c × average)).
     */
    @Property(tries = 60)
    void pick_neverTakesAnEndpointAboveCeilCTimesAverage(@ForAll("factors") double c,
            @ForAll @IntRange(min = 1, max = 30) int n, @ForAll boolean weighted,
            @ForAll("operations") List<Integer> ops) {
        List<Endpoint> endpoints = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            endpoints.add(Endpoint.of(TestCandidates.address(100 + i), 80, weighted ? 1 + i % 4 : 1));
        }
        TestCandidates cand = new TestCandidates(endpoints);
        Picker p = new BoundedLoad(c, RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE,
                RandomSource.seeded(3)).newPicker(cand);
        long totalWeight = HashStrategyProperties.totalWeight(endpoints);
        List<Integer> outstanding = new ArrayList<>();
        for (int op : ops) {
            if (op < 0 && !outstanding.isEmpty()) { // complete one call
                cand.release(outstanding.remove(Math.floorMod(op, outstanding.size())));
                continue;
            }
            int total = outstanding.size();
            int i = p.pick(XxHash64.hashLong(Math.abs(op) % 5, 0)); // 5 hot keys
            long cap = BigDecimal.valueOf(c).multiply(BigDecimal.valueOf((long) (total + 1)
                    * cand.weight(i))).divide(BigDecimal.valueOf(totalWeight), 0,
                            RoundingMode.CEILING).longValueExact();
            int load = cand.inFlight(i);
            assertTrue(load + 1 <= cap, () -> "endpoint " + i + " had " + load
                    + " in flight of capacity " + cap + " with " + total + " in flight in all");
            cand.acquire(i);
            outstanding.add(i);
        }
    }

    @Provide
    Arbitrary<List<Integer>> operations() {
        // Two picks for each completion on average, so the in-flight total climbs into hundreds.
        return Arbitraries.integers().between(-1_000, 2_000).list().ofMinSize(50).ofMaxSize(600);
    }

    /** With nothing in flight the strategy is exactly the ring hash of the same ring. */
    @Property(tries = 20)
    void idle_mapsEveryKeyLikeRingHash(@ForAll @IntRange(min = 1, max = 50) int n,
            @ForAll @IntRange(min = 0, max = 1 << 20) int first) {
        TestCandidates cand = new TestCandidates(TestCandidates.equalWeights(first, n));
        Picker bounded = BoundedLoad.DEFAULT.newPicker(cand);
        Picker ring = RingHash.DEFAULT.newPicker(cand);
        for (long k = 0; k < 5_000; k++) {
            long h = XxHash64.hashLong(k, 0);
            assertEquals(ring.pick(h), bounded.pick(h));
        }
    }

    /** A key whose endpoint is full goes to the next endpoint along the ring that has room. */
    @Property(tries = 20)
    void fullEndpoint_sendsKeyToNextAlongRingWithRoom(@ForAll @IntRange(min = 2, max = 20) int n,
            @ForAll long key) {
        TestCandidates cand = new TestCandidates(TestCandidates.equalWeights(50, n));
        Picker p = BoundedLoad.DEFAULT.newPicker(cand);
        long h = XxHash64.hashLong(key, 0);
        int home = p.pick(h);
        // Load only the home endpoint: 4 in flight, capacity ceil(1.25 × 5 / n) < 5 for n >= 2.
        for (int k = 0; k < 4; k++) {
            cand.acquire(home);
        }
        int next = p.pick(h);
        assertTrue(next != home, "a full endpoint must be skipped");
        assertEquals(next, p.pick(h), "the detour is itself consistent");
        for (int k = 0; k < 4; k++) {
            cand.release(home);
        }
        assertEquals(home, p.pick(h), "the key returns when its endpoint has room again");
    }
}
