package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class HashStrategyFactoriesTest {

    private static void assertRejected(String expectedMessage, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(expectedMessage, e.getMessage());
    }

    @Test
    void ringHash_rejectsSizesOutOfRange_namingFieldAndRange() {
        assertRejected("minRingSize must be in 1..8388608, was 0", () -> Strategy.ringHash(0, 10));
        assertRejected("minRingSize must be in 1..8388608, was 8388609",
                () -> Strategy.ringHash(8_388_609, 8_388_609));
        assertRejected("maxRingSize must be in minRingSize (2048)..8388608, was 1024",
                () -> Strategy.ringHash(2048, 1024));
        assertRejected("maxRingSize must be in minRingSize (1)..8388608, was 8388609",
                () -> Strategy.ringHash(1, 8_388_609));
    }

    @Test
    void maglev_rejectsNonPrimeOrOutOfRangeTableSize() {
        assertRejected("tableSize must be a prime in 3..5000011, was 65536",
                () -> Strategy.maglev(65_536));
        assertRejected("tableSize must be a prime in 3..5000011, was 2", () -> Strategy.maglev(2));
        assertRejected("tableSize must be a prime in 3..5000011, was 5000077",
                () -> Strategy.maglev(5_000_077));
        assertEquals("Strategy.maglev(5000011)", Strategy.maglev(5_000_011).toString());
    }

    @Test
    void boundedLoad_rejectsFactorOutOfRangeOrNaN() {
        assertRejected("balanceFactor must be in 1.0..100.0, was 0.99",
                () -> Strategy.boundedLoad(0.99));
        assertRejected("balanceFactor must be in 1.0..100.0, was 100.5",
                () -> Strategy.boundedLoad(100.5));
        assertRejected("balanceFactor must be in 1.0..100.0, was NaN",
                () -> Strategy.boundedLoad(Double.NaN));
    }

    @Test
    void defaults_areEnvoysAndHaproxys() {
        assertEquals("Strategy.ringHash(131072, 8388608)", Strategy.ringHash().toString());
        assertEquals("Strategy.maglev(65537)", Strategy.maglev().toString());
        assertEquals("Strategy.boundedLoad(1.25)", Strategy.boundedLoad().toString());
        assertEquals("Strategy.rendezvous()", Strategy.rendezvous().toString());
    }

    @Test
    void ringReplicas_growToMinimumInPowersOfTwo_andShrinkToMaximum() {
        assertEquals(1024, HashRing.replicas(1, 1024, 8_388_608));
        assertEquals(128, HashRing.replicas(10, 1024, 8_388_608)); // 102.4 -> 128
        assertEquals(16, HashRing.replicas(100, 1024, 8_388_608)); // 10.24 -> 16
        assertEquals(1, HashRing.replicas(5000, 1024, 8_388_608));
        assertEquals(4, HashRing.replicas(10, 1024, 40)); // within the maximum
        assertEquals(0, HashRing.replicas(50, 10, 40)); // weights scaled down below one per unit
    }

    @Test
    void ring_overMaximum_scalesWeightsDown_keepingEveryEndpoint() {
        TestCandidates c = new TestCandidates(TestCandidates.equalWeights(1, 50));
        HashRing ring = HashRing.build(c, 10, 40);
        assertEquals(50, ring.size()); // one point each, the floor
        boolean[] seen = new boolean[50];
        for (int s = 0; s < ring.size(); s++) {
            seen[ring.owner(s)] = true;
        }
        for (boolean b : seen) {
            assertTrue(b);
        }
    }

    @Test
    void maglevTable_slotCountsFollowWeights() {
        TestCandidates c = new TestCandidates(java.util.List.of(
                io.lbkit.Endpoint.of("10.0.0.1", 80, 1), io.lbkit.Endpoint.of("10.0.0.2", 80, 2),
                io.lbkit.Endpoint.of("10.0.0.3", 80, 5)));
        int[] table = Maglev.table(c, 65_537);
        int[] counts = new int[3];
        for (int i : table) {
            counts[i]++;
        }
        // 65,537 × 1/8, 2/8, 5/8, each within one turn
        assertTrue(Math.abs(counts[0] - 8_192) <= 2, () -> java.util.Arrays.toString(counts));
        assertTrue(Math.abs(counts[1] - 16_384) <= 2, () -> java.util.Arrays.toString(counts));
        assertTrue(Math.abs(counts[2] - 40_960) <= 3, () -> java.util.Arrays.toString(counts));
    }

    @Test
    void boundedLoadCapacity_isCeilOfCTimesShare_withoutOverflow() {
        assertEquals(2, BoundedLoad.capacity(125, 4, 1, 4)); // ceil(1.25 × 5 / 4) = ceil(1.5625)
        assertEquals(5, BoundedLoad.capacity(125, 15, 1, 4)); // 1.25 × 16 / 4 = 5 exactly
        assertEquals(1, BoundedLoad.capacity(100, 0, 1, 1_000)); // never below 1
        // Slow start scales weights by 100: 6,553,500 of 13,107,000 with 2^31 - 1 in flight.
        long big = BoundedLoad.capacity(10_000, Integer.MAX_VALUE, 6_553_500, 13_107_000);
        assertEquals(100.0 * (1L << 31) / 2, big, 1.0);
    }
}
