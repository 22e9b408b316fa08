package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The ring's bucket-indexed lookup finds exactly the point the lower-bound binary search it
 * replaced found, for every key: random keys, the keys at, just below and just above every
 * point, and the ends of the hash space.
 */
class HashRingLookupProperties {

    @Provide
    Arbitrary<List<Endpoint>> endpoints() {
        return Arbitraries.integers().between(1, 300).flatMap(n -> Arbitraries.integers()
                .between(0, 1 << 20).flatMap(first -> Arbitraries.integers().between(1, 8)
                        .list().ofSize(n).map(weights -> {
                            List<Endpoint> out = new ArrayList<>(n);
                            for (int i = 0; i < n; i++) {
                                out.add(Endpoint.of(TestCandidates.address(first + i), 8080,
                                        weights.get(i)));
                            }
                            return out;
                        })));
    }

    /** Ring sizes from one point per endpoint (a few points in all) to the default minimum. */
    @Provide
    Arbitrary<Integer> minSizes() {
        return Arbitraries.of(1, 2, 3, 7, 64, 1000, 4096, 65_537, RingHash.DEFAULT_MIN_SIZE);
    }

    @Property(tries = 60)
    void slot_matchesBinarySearch_forRandomAndBoundaryKeys(
            @ForAll("endpoints") List<Endpoint> endpoints, @ForAll("minSizes") int minSize,
            @ForAll long seed) {
        HashRing ring = HashRing.build(new TestCandidates(endpoints), minSize, RingHash.MAX_SIZE);
        SplittableRandom random = new SplittableRandom(seed);
        for (int k = 0; k < 20_000; k++) {
            assertSameSlot(ring, random.nextLong());
        }
        for (long edge : new long[] {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE,
                Long.MIN_VALUE + 1, Long.MAX_VALUE - 1}) {
            assertSameSlot(ring, edge);
        }
        // Each point's own position, the last hash before it and the first after it: every
        // bucket boundary the index could get wrong falls among these.
        for (int j = 0; j < ring.size(); j++) {
            long position = ring.point(j) ^ Long.MIN_VALUE;
            long low = position & ~((1L << HashRing.INDEX_BITS) - 1);
            assertSameSlot(ring, low);
            assertSameSlot(ring, low - 1);
            assertSameSlot(ring, low | ((1L << HashRing.INDEX_BITS) - 1));
            assertSameSlot(ring, low + (1L << HashRing.INDEX_BITS));
        }
    }

    @Property(tries = 30)
    void slot_matchesBinarySearch_forOneEndpointOfAnyWeight(@ForAll @IntRange(min = 1,
            max = 1000) int weight, @ForAll("minSizes") int minSize, @ForAll long seed) {
        HashRing ring = HashRing.build(new TestCandidates(List.of(
                Endpoint.of("10.0.0.1", 8080, weight))), minSize, RingHash.MAX_SIZE);
        SplittableRandom random = new SplittableRandom(seed);
        for (int k = 0; k < 5_000; k++) {
            assertSameSlot(ring, random.nextLong());
        }
        assertSameSlot(ring, -1);
        assertSameSlot(ring, 0);
    }

    @Property(tries = 20)
    void bucketIndex_isAtMostHalfTheRingsFootprint(@ForAll("endpoints") List<Endpoint> endpoints,
            @ForAll("minSizes") int minSize) {
        HashRing ring = HashRing.build(new TestCandidates(endpoints), minSize, RingHash.MAX_SIZE);
        long indexBytes = 4L * ring.bucketIndexLength();
        long ringBytes = 8L * ring.size();
        // 2^bits <= size buckets, plus the end sentinel; a ring of one point still has 2.
        assertTrue(indexBytes <= ringBytes / 2 + 4 || ring.size() < 2,
                () -> "index " + indexBytes + " B for a ring of " + ringBytes + " B");
    }

    private static void assertSameSlot(HashRing ring, long hash) {
        assertEquals(binarySearch(ring, hash), ring.slot(hash),
                () -> "hash " + Long.toHexString(hash) + " on a ring of " + ring.size());
    }

    /** The lookup HashRing used before the bucket index: lower bound, wrapping to 0. */
    private static int binarySearch(HashRing ring, long hash) {
        long key = (hash & ~((1L << HashRing.INDEX_BITS) - 1)) ^ Long.MIN_VALUE;
        int lo = 0;
        int hi = ring.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ring.point(mid) < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == ring.size() ? 0 : lo;
    }
}
