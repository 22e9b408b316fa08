package io.lbkit.strategy;

/** {@link Strategy#weightedRandom()}: Vose's alias method, O(1) per pick. */
/*
 * Implementation notes.
 *
 * The alias table splits the n weights into n equal columns; column i keeps endpoint i with
 * probability keep[i] and otherwise sends the pick to alias[i]. A pick takes one 64-bit random
 * draw: the high 32 bits choose the column, the low 32 bits are compared with keep[i] (scaled to
 * 2^32), so there is no floating point and no second draw on the hot path.
 */
record WeightedRandom(RandomSource random) implements Strategy {

    static final WeightedRandom DEFAULT = new WeightedRandom(RandomSource.threadLocal());

    @Override
    public Picker newPicker(Candidates candidates) {
        AliasTable table = new AliasTable(Weights.of(candidates));
        RandomSource r = random;
        return () -> table.pick(r.nextLong());
    }

    /** An immutable alias table. */
    static final class AliasTable {
        private final long[] keep; // threshold in [0, 2^32]: below it the column keeps its own index
        private final int[] alias;
        private final int n;

        AliasTable(int[] weights) {
            n = weights.length;
            keep = new long[n];
            alias = new int[n];
            long total = 0;
            for (int w : weights) {
                total += w;
            }
            // Scaled so each column holds 2^32: p_i = w_i * n * 2^32 / total.
            double unit = (double) n * (1L << 32) / total;
            double[] scaled = new double[n];
            int[] small = new int[n];
            int[] large = new int[n];
            int s = 0;
            int l = 0;
            for (int i = 0; i < n; i++) {
                scaled[i] = weights[i] * unit;
                alias[i] = i;
                if (scaled[i] < (1L << 32)) {
                    small[s++] = i;
                } else {
                    large[l++] = i;
                }
            }
            while (s > 0 && l > 0) {
                int lo = small[--s];
                int hi = large[--l];
                keep[lo] = (long) scaled[lo];
                alias[lo] = hi;
                scaled[hi] -= (1L << 32) - scaled[lo];
                if (scaled[hi] < (1L << 32)) {
                    small[s++] = hi;
                } else {
                    large[l++] = hi;
                }
            }
            // Left-overs are full columns (rounding may leave either list non-empty).
            while (l > 0) {
                keep[large[--l]] = 1L << 32;
            }
            while (s > 0) {
                keep[small[--s]] = 1L << 32;
            }
        }

        int pick(long bits) {
            int column = RandomSource.index((int) (bits >>> 32), n);
            return (bits & 0xFFFF_FFFFL) < keep[column] ? column : alias[column];
        }
    }

    @Override
    public String toString() {
        return "Strategy.weightedRandom()";
    }
}
