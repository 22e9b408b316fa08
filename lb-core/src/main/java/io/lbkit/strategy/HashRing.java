package io.lbkit.strategy;

import io.lbkit.internal.XxHash64;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * An immutable consistent-hash ring over one table's candidates, shared by {@link RingHash} and
 * {@link BoundedLoad}. Thread-safe.
 */
/*
 * Implementation notes.
 *
 * Endpoint i owns count_i = weight_i × replicas virtual nodes; virtual node k of an endpoint sits
 * at XXH64(address bytes, seed k). Positions depend on the address only, never on the index, so
 * an endpoint keeps its points across rebuilds and a removed endpoint's keys fall to the next
 * point of another endpoint, leaving every other key where it was.
 *
 * `replicas` (points per unit of weight) is the smallest power of two that gives the ring at
 * least minSize points, lowered to keep it within maxSize. Rounding to a power of two means a
 * membership change leaves it (and so every other endpoint's points) unchanged unless the total
 * weight crosses a power-of-two boundary; Envoy rescales continuously, which moves a few keys of
 * every endpoint on every change. When even one point per unit of weight exceeds maxSize, counts
 * are scaled down proportionally (at least one point each).
 *
 * Each point is one long: the top 40 bits of its hash, then 24 bits holding the owner's index.
 * The sign bit is flipped so that signed order is unsigned hash order, and Arrays.sort orders
 * the ring. Points of equal 40-bit position are ordered by the owner's rank in address order, so
 * even ties resolve the same way whatever order the group lists its endpoints in.
 *
 * Lookup: the first point at or after the key's 40-bit position, wrapping to point 0 past the
 * end. A binary search over the ring (at least 131,072 points by default, 1 MiB and more) costs
 * about 17 dependent loads, most of them cache misses. Instead, a bucket index splits the hash
 * space into 2^bits equal buckets by the hash's top bits, 2^bits being the largest power of two
 * not above the ring's size (at least 2, so the shift stays below 64): starts[b] is the first
 * point whose position falls in bucket b or later, starts[2^bits] the ring's size. A key of
 * bucket b starts at starts[b] and scans forward past the points below it; every point of a later
 * bucket is above the key, so the scan stops by starts[b + 1]. Positions are uniform hashes, so a
 * bucket holds 1 to 2 points on average (and O(log n / log log n) at most, with high
 * probability): two loads, usually two cache lines, whatever the ring's size. The answer is the
 * binary search's exactly (HashRingLookupProperties compares them). The index costs 4 bytes per
 * bucket, at most half the ring's 8 bytes per point, and one pass over the sorted ring to build.
 * Both arrays are written before the constructor returns and never after; the ring is published
 * through a final field of the picker, so any thread reads it without synchronisation.
 */
final class HashRing {

    /** At most 2^24 - 1 endpoints: the owner index takes the low 24 bits of a point. */
    static final int INDEX_BITS = 24;
    private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;

    private final long[] points;
    /** starts[b]: the first point in bucket b or later; starts[buckets] = points.length. */
    private final int[] starts;
    /** 64 - bits: the key's bucket is its unsigned hash shifted right by this. */
    private final int shift;

    private HashRing(long[] points) {
        this.points = points;
        int bits = Math.max(1, 31 - Integer.numberOfLeadingZeros(points.length));
        this.shift = Long.SIZE - bits;
        this.starts = bucketStarts(points, bits, shift);
    }

    /** One pass over the sorted ring: the first point of each bucket or of a later one. */
    private static int[] bucketStarts(long[] points, int bits, int shift) {
        int buckets = 1 << bits;
        int[] starts = new int[buckets + 1];
        int b = 0;
        for (int j = 0; j < points.length; j++) {
            int bucket = (int) ((points[j] ^ Long.MIN_VALUE) >>> shift);
            while (b <= bucket) {
                starts[b++] = j;
            }
        }
        while (b <= buckets) {
            starts[b++] = points.length;
        }
        return starts;
    }

    static HashRing build(Candidates c, int minSize, int maxSize) {
        int n = c.size();
        if (n >= 1 << INDEX_BITS) {
            throw new IllegalArgumentException("at most " + INDEX_MASK
                    + " endpoints are supported, got " + n);
        }
        long totalWeight = 0;
        for (int i = 0; i < n; i++) {
            totalWeight += c.weight(i);
        }
        long[] counts = counts(c, totalWeight, minSize, maxSize);
        long total = 0;
        for (long k : counts) {
            total += k;
        }
        int[] order = byAddress(c);
        long[] points = new long[Math.toIntExact(total)];
        int p = 0;
        for (int rank = 0; rank < n; rank++) {
            int i = order[rank];
            byte[] address = c.endpoint(i).address().getBytes(StandardCharsets.UTF_8);
            for (long k = 0; k < counts[i]; k++) {
                long h = XxHash64.hash(address, k);
                points[p++] = ((h & ~INDEX_MASK) | rank) ^ Long.MIN_VALUE;
            }
        }
        Arrays.sort(points);
        for (int j = 0; j < points.length; j++) { // rank -> index; the order stays sorted
            points[j] = (points[j] & ~INDEX_MASK) | order[(int) (points[j] & INDEX_MASK)];
        }
        return new HashRing(points);
    }

    /** Virtual nodes per candidate; see the implementation notes. */
    private static long[] counts(Candidates c, long totalWeight, int minSize, int maxSize) {
        int n = c.size();
        long[] counts = new long[n];
        long replicas = replicas(totalWeight, minSize, maxSize);
        if (replicas > 0) {
            for (int i = 0; i < n; i++) {
                counts[i] = c.weight(i) * replicas;
            }
        } else {
            for (int i = 0; i < n; i++) {
                counts[i] = Math.max(1, c.weight(i) * (long) maxSize / totalWeight);
            }
        }
        return counts;
    }

    /**
     * Points per unit of weight for a ring of this total weight: the smallest power of two
     * reaching minSize, halved until within maxSize; 0 when one per unit already exceeds maxSize.
     */
    static long replicas(long totalWeight, int minSize, int maxSize) {
        if (totalWeight > maxSize) {
            return 0;
        }
        long need = (minSize + totalWeight - 1) / totalWeight;
        long r = Long.highestOneBit(need);
        if (r < need) {
            r <<= 1;
        }
        while (r > 1 && r * totalWeight > maxSize) {
            r >>>= 1;
        }
        return r;
    }

    /** The candidates' indices sorted by address: a rank that does not depend on list order. */
    static int[] byAddress(Candidates c) {
        int n = c.size();
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = i;
        }
        Arrays.sort(boxed, Comparator.comparing(i -> c.endpoint(i).address()));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = boxed[i];
        }
        return order;
    }

    int size() {
        return points.length;
    }

    /** The first point at or after the hash's position (clockwise), wrapping round. */
    int slot(long hash) {
        long key = (hash & ~INDEX_MASK) ^ Long.MIN_VALUE;
        long[] pts = points;
        int bucket = (int) (hash >>> shift);
        int j = starts[bucket];
        int end = starts[bucket + 1];
        while (j < end && pts[j] < key) {
            j++;
        }
        return j == pts.length ? 0 : j;
    }

    /** The ring's point at {@code slot}: its position in the high 40 bits, sign flipped. */
    long point(int slot) {
        return points[slot];
    }

    /** The bucket index's length in entries (its footprint is 4 bytes each). */
    int bucketIndexLength() {
        return starts.length;
    }

    /** The index of the candidate owning the point at {@code slot}. */
    int owner(int slot) {
        return (int) (points[slot] & INDEX_MASK);
    }
}
