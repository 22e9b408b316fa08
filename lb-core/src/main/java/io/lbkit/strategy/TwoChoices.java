package io.lbkit.strategy;

/**
 * Draws the two candidates of the power-of-two-choices pickers ({@link LeastRequest},
 * {@link PeakEwma}). Immutable and thread-safe.
 *
 * <p>With equal weights both are uniform and distinct, from one 64-bit draw. With unequal
 * weights (set, or reduced by slow start) both are drawn in proportion to weight through an alias
 * table. Drawing uniformly and only comparing load per weight would give every light endpoint a
 * floor share: with 4 endpoints of weight 4 and 6 of weight 1, two light endpoints meet in a
 * third of all draws, so each light one would get at least 5.6% of calls against a fair 4.5%
 * (measured by the simulator in docs/simulator.md).
 */
final class TwoChoices {

    private final int n;
    private final WeightedRandom.AliasTable weighted; // null: weights are equal
    private final RandomSource random;

    TwoChoices(Candidates c, RandomSource random) {
        this.n = c.size();
        this.random = random;
        int[] weights = Weights.of(c);
        this.weighted = Weights.allEqual(weights) ? null : new WeightedRandom.AliasTable(weights);
    }

    /**
     * Two candidate indexes and a fair tie-break bit, packed as
     * {@code a << 32 | tieBit << 31 | b}; {@code a == b} only when weighted draws coincide twice.
     */
    long draw() {
        long bits = random.nextLong();
        int a;
        int b;
        if (weighted == null) {
            a = RandomSource.index((int) (bits >>> 32), n);
            b = RandomSource.index((int) bits, n - 1);
            if (b >= a) {
                b++;
            }
        } else {
            a = weighted.pick(bits);
            b = weighted.pick(random.nextLong());
            if (b == a) {
                b = weighted.pick(random.nextLong());
            }
        }
        // Bit 0 barely influences either index (they take the high bits of a product).
        return ((long) a << 32) | ((bits & 1) << 31) | b;
    }

    static int first(long pair) {
        return (int) (pair >>> 32);
    }

    static int second(long pair) {
        return (int) pair & Integer.MAX_VALUE;
    }

    static boolean tieToFirst(long pair) {
        return (pair & (1L << 31)) == 0;
    }

    /**
     * 8: the extra draws a pick makes when its best candidate is known to be failing. Two
     * choices alone cannot avoid failing endpoints when both candidates fail, which with k of
     * n failing happens in k(k-1)/(n(n-1)) of the draws (3 of 5: 30%); each further draw finds a
     * working one with probability (n-k)/n, so 8 of them leave 0.6^8 = 1.7% of those picks (0.5%
     * of all) on a failing endpoint in that case. They cost nothing while no candidate fails.
     */
    static final int EXTRA_DRAWS = 8;

    /** A strategy's order on candidates at time {@code now}: negative when {@code a} is better. */
    @FunctionalInterface
    interface Order {
        int compare(Candidates c, int a, int b, long now);
    }

    /**
     * {@code best}, or when it is {@linkplain Candidates#recentlyFailing known to be failing}
     * the first of up to {@link #EXTRA_DRAWS} further draws that is not and that {@code order}
     * ranks better than {@code best} (else {@code best}). The further draw must beat the failing
     * one on the strategy's own cost, failure penalty included: an idle endpoint whose last few
     * calls timed out in a burst (a healthy one that was overloaded for a moment) is not passed
     * over for a working one many times busier, which would pile the load that left the failing
     * endpoints onto one working endpoint until it times out calls too.
     */
    int avoidFailing(Candidates c, int best, Order order, long now) {
        if (!c.recentlyFailing(best)) {
            return best;
        }
        for (int k = 0; k < EXTRA_DRAWS; k++) {
            int i = one();
            if (!c.recentlyFailing(i) && order.compare(c, i, best, now) < 0) {
                return i;
            }
        }
        return best;
    }

    /** One candidate for the d-choice variant: uniform, or in proportion to weight. */
    int one() {
        long bits = random.nextLong();
        return weighted == null ? RandomSource.index((int) (bits >>> 32), n) : weighted.pick(bits);
    }
}
