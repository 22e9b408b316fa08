package io.lbkit.proxybench;

import java.util.Arrays;

/**
 * Nearest-rank percentiles of latency samples. Stateless; thread-safe.
 */
final class Percentiles {

    private Percentiles() {}

    /**
     * The nearest-rank {@code q}-quantile of {@code sorted}: the smallest sample such that at
     * least {@code q} of all samples are at or below it; 0 for no samples.
     *
     * @param sorted samples in ascending order, not null
     * @param q the quantile, in (0, 1]
     */
    static long nearestRank(long[] sorted, double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("q must be in (0, 1], was " + q);
        }
        if (sorted.length == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * sorted.length); // 1-based, >= 1 because q > 0
        return sorted[(int) Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    /** Sorts a copy of the first {@code n} samples. */
    static long[] sortedCopy(long[] samples, int n) {
        long[] copy = Arrays.copyOf(samples, n);
        Arrays.sort(copy);
        return copy;
    }
}
