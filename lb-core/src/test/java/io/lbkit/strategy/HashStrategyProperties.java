package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.internal.XxHash64;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Invariants of the hash strategies over random endpoint sets, weights and keys: consistency,
 * minimal disruption, balance and weights. Figures measured here are in docs/hashing.md.
 */
class HashStrategyProperties {

    /** The default minimum ring size: the smallest power of two keeping max/mean <= 1.10 at n = 100. */
    static final int BALANCED_RING = RingHash.DEFAULT_MIN_SIZE;

    enum Kind {
        RING(seed -> new RingHash(RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE,
                RandomSource.seeded(seed))),
        MAGLEV(seed -> new Maglev(Maglev.DEFAULT_TABLE_SIZE, RandomSource.seeded(seed))),
        RENDEZVOUS(seed -> new Rendezvous(RandomSource.seeded(seed))),
        BOUNDED_LOAD(seed -> new BoundedLoad(1.25, RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE,
                RandomSource.seeded(seed)));

        final Function<Long, Strategy> factory;

        Kind(Function<Long, Strategy> factory) {
            this.factory = factory;
        }

        Strategy strategy() {
            return factory.apply(1L);
        }
    }

    @Provide
    Arbitrary<List<Endpoint>> endpoints() {
        return Arbitraries.integers().between(1, 40).flatMap(n -> Arbitraries.integers()
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

    @Property(tries = 60)
    void sameKey_mapsToSameAddress_acrossRebuildsAndListOrder(@ForAll Kind kind,
            @ForAll("endpoints") List<Endpoint> endpoints, @ForAll long shuffleSeed) {
        Strategy s = kind.strategy();
        TestCandidates c = new TestCandidates(endpoints);
        List<Endpoint> shuffled = new ArrayList<>(endpoints);
        Collections.shuffle(shuffled, new Random(shuffleSeed));
        TestCandidates d = new TestCandidates(shuffled);
        Picker p = s.newPicker(c);
        Picker again = s.newPicker(c);
        Picker reordered = s.newPicker(d);
        for (long k = 0; k < 2_000; k++) {
            long h = XxHash64.hashLong(k, 0);
            int i = p.pick(h);
            assertEquals(i, p.pick(h));
            assertEquals(i, again.pick(h));
            assertEquals(c.endpoint(i).address(), d.endpoint(reordered.pick(h)).address());
        }
    }

    @Property(tries = 30)
    void removingOne_remapsExactlyItsKeys_rendezvous(@ForAll("twoOrMore") List<Endpoint> endpoints,
            @ForAll @IntRange(min = 0, max = 39) int victimIndex) {
        Disruption d = removeOne(Kind.RENDEZVOUS.strategy(), endpoints,
                victimIndex % endpoints.size(), 10_000);
        assertEquals(0, d.othersMoved, "keys of other endpoints that moved");
    }

    @Property(tries = 30)
    void removingOne_remapsExactlyItsKeys_ring(@ForAll("twoOrMore") List<Endpoint> endpoints,
            @ForAll @IntRange(min = 0, max = 39) int victimIndex) {
        int victim = victimIndex % endpoints.size();
        // The ring keeps every endpoint's points unless the points per unit of weight change,
        // which happens only when the total weight crosses a power-of-two fraction of the
        // minimum ring size (see HashRing).
        long w = totalWeight(endpoints);
        Assume.that(HashRing.replicas(w, RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE)
                == HashRing.replicas(w - endpoints.get(victim).weight(),
                        RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE));
        Disruption d = removeOne(Kind.RING.strategy(), endpoints, victim, 10_000);
        assertEquals(0, d.othersMoved, "keys of other endpoints that moved");
    }

    @Provide
    Arbitrary<List<Endpoint>> twoOrMore() {
        return endpoints().filter(l -> l.size() >= 2);
    }

    @Property(tries = 40)
    void removingOne_movesFewOtherKeys_maglev(@ForAll("twoOrMore") List<Endpoint> endpoints,
            @ForAll @IntRange(min = 0, max = 39) int victimIndex) {
        Disruption d = removeOne(Kind.MAGLEV.strategy(), endpoints,
                victimIndex % endpoints.size(), 10_000);
        // Measured over 200 random sets of 2..40 endpoints, weights 1..8: mean 0.3%, max 0.8%
        // of the other endpoints' keys. Bound: 2%.
        assertTrue(d.othersMoved <= 0.02 * d.othersKeys,
                () -> d.othersMoved + " of " + d.othersKeys + " other keys moved");
    }

    @Property(tries = 30)
    void addingOne_movesAboutItsShare_onlyToIt(@ForAll Kind kind,
            @ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(min = 0, max = 1 << 20) int first) {
        Assume.that(kind != Kind.BOUNDED_LOAD); // without load it is RING
        List<Endpoint> before = TestCandidates.equalWeights(first, n);
        List<Endpoint> after = TestCandidates.equalWeights(first, n + 1);
        if (kind == Kind.RING) {
            Assume.that(HashRing.replicas(n, RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE)
                    == HashRing.replicas(n + 1, RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE));
        }
        Strategy s = kind.strategy();
        TestCandidates a = new TestCandidates(before);
        TestCandidates b = new TestCandidates(after);
        Picker pa = s.newPicker(a);
        Picker pb = s.newPicker(b);
        String added = after.get(n).address();
        int keys = 20_000;
        int movedToNew = 0;
        int movedOther = 0;
        for (long k = 0; k < keys; k++) {
            long h = XxHash64.hashLong(k, 0);
            String x = a.endpoint(pa.pick(h)).address();
            String y = b.endpoint(pb.pick(h)).address();
            if (!x.equals(y)) {
                if (y.equals(added)) {
                    movedToNew++;
                } else {
                    movedOther++;
                }
            }
        }
        int moved = movedToNew + movedOther;
        int movedElsewhere = movedOther;
        double expected = 1.0 / (n + 1);
        double share = (double) moved / keys;
        // Bounds: ring's share of the new endpoint varies with its points (>= 32 at n <= 40,
        // so well within 2×); rendezvous and Maglev stay within 1.3× + 2%.
        double bound = kind == Kind.RING ? 2.0 * expected + 0.02 : 1.3 * expected + 0.02;
        assertTrue(share <= bound, () -> kind + ": moved " + share + ", 1/(n+1) = " + expected);
        if (kind == Kind.MAGLEV) {
            assertTrue(movedElsewhere <= 0.02 * keys, () -> "moved between old endpoints: "
                    + movedElsewhere);
        } else {
            assertEquals(0, movedElsewhere, "keys moved between old endpoints");
        }
    }

    @Property(tries = 2)
    void balance_maxOverMean_atMost110_for10and100Endpoints(
            @ForAll @IntRange(min = 0, max = 1 << 20) int first) {
        for (int n : new int[] {10, 100}) {
            TestCandidates c = new TestCandidates(TestCandidates.equalWeights(first, n));
            double maglev = maxOverMean(new Maglev(Maglev.DEFAULT_TABLE_SIZE,
                    RandomSource.seeded(1)), c, 1_000_000);
            double ring = maxOverMean(new RingHash(BALANCED_RING, RingHash.MAX_SIZE,
                    RandomSource.seeded(1)), c, 1_000_000);
            System.out.printf("balance n=%d first=%d, 1M keys, max/mean: maglev(65537) %.4f,"
                    + " ringHash(%d) %.4f%n", n, first, maglev, BALANCED_RING, ring);
            assertTrue(maglev <= 1.10, () -> "maglev max/mean " + maglev);
            assertTrue(ring <= 1.10, () -> "ring max/mean " + ring);
        }
    }

    /** Logs table build times (a cold JVM on a shared machine: indicative only; not asserted). */
    @Property(tries = 3)
    void buildTimes_logged(@ForAll("buildSizes") int n) {
        TestCandidates c = new TestCandidates(TestCandidates.equalWeights(1, n));
        StringBuilder line = new StringBuilder("build n=" + n + ":");
        for (Strategy s : List.of(RingHash.DEFAULT, new RingHash(BALANCED_RING, RingHash.MAX_SIZE,
                RandomSource.seeded(1)), Maglev.DEFAULT, Rendezvous.DEFAULT)) {
            long best = Long.MAX_VALUE;
            Picker p = null;
            for (int rep = 0; rep < 3; rep++) {
                long t0 = System.nanoTime();
                p = s.newPicker(c);
                best = Math.min(best, System.nanoTime() - t0);
            }
            int i = p.pick(42L);
            assertTrue(i >= 0 && i < n);
            line.append(String.format(" %s %.2f ms;", s, best / 1e6));
        }
        System.out.println(line);
    }

    @Provide
    Arbitrary<Integer> buildSizes() {
        return Arbitraries.of(10, 1_000, 10_000);
    }

    @Property(tries = 12)
    void weights_honouredWithinBound(@ForAll("weightedKinds") Kind kind,
            @ForAll("weightedSets") List<Endpoint> endpoints) {
        Strategy s = kind == Kind.RING
                ? new RingHash(BALANCED_RING, RingHash.MAX_SIZE, RandomSource.seeded(1))
                : kind.strategy();
        TestCandidates c = new TestCandidates(endpoints);
        Picker p = s.newPicker(c);
        int keys = 400_000;
        int[] counts = new int[c.size()];
        for (long k = 0; k < keys; k++) {
            counts[p.pick(XxHash64.hashLong(k, 0))]++;
        }
        long w = totalWeight(endpoints);
        for (int i = 0; i < counts.length; i++) {
            double expected = (double) keys * c.weight(i) / w;
            double ratio = counts[i] / expected;
            // Bound: within 10% of the weighted share (Maglev, rendezvous; ring at 131,072).
            int idx = i;
            assertTrue(Math.abs(ratio - 1) <= 0.10, () -> kind + " endpoint " + idx + " weight "
                    + c.weight(idx) + " of " + w + ": got " + ratio + " of its share");
        }
    }

    @Provide
    Arbitrary<Kind> weightedKinds() {
        return Arbitraries.of(Kind.RING, Kind.MAGLEV, Kind.RENDEZVOUS);
    }

    @Provide
    Arbitrary<List<Endpoint>> weightedSets() {
        return Arbitraries.integers().between(2, 8).flatMap(n -> Arbitraries.integers()
                .between(1, 10).list().ofSize(n).map(weights -> {
                    List<Endpoint> out = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        out.add(Endpoint.of(TestCandidates.address(7_000 + i), 9000,
                                weights.get(i)));
                    }
                    return out;
                }));
    }

    static double maxOverMean(Strategy s, TestCandidates c, int keys) {
        Picker p = s.newPicker(c);
        int[] counts = new int[c.size()];
        for (long k = 0; k < keys; k++) {
            counts[p.pick(XxHash64.hashLong(k, 0))]++;
        }
        int max = 0;
        for (int x : counts) {
            max = Math.max(max, x);
        }
        return max / ((double) keys / c.size());
    }

    static long totalWeight(List<Endpoint> endpoints) {
        long w = 0;
        for (Endpoint e : endpoints) {
            w += e.weight();
        }
        return w;
    }

    /** Keys of the other endpoints that moved when one was removed. */
    record Disruption(int othersMoved, int othersKeys) {
    }

    static Disruption removeOne(Strategy s, List<Endpoint> endpoints, int victim, int keys) {
        List<Endpoint> rest = new ArrayList<>(endpoints);
        String gone = rest.remove(victim).address();
        TestCandidates a = new TestCandidates(endpoints);
        TestCandidates b = new TestCandidates(rest);
        Picker pa = s.newPicker(a);
        Picker pb = s.newPicker(b);
        int moved = 0;
        int others = 0;
        for (long k = 0; k < keys; k++) {
            long h = XxHash64.hashLong(k, 0);
            String x = a.endpoint(pa.pick(h)).address();
            if (x.equals(gone)) {
                continue;
            }
            others++;
            if (!x.equals(b.endpoint(pb.pick(h)).address())) {
                moved++;
            }
        }
        return new Disruption(moved, others);
    }
}
