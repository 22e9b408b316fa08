package io.lbkit.strategy;

import io.lbkit.internal.XxHash64;
import java.nio.charset.StandardCharsets;

/** {@link Strategy#rendezvous()}: weighted highest-random-weight hashing. */
/*
 * Implementation notes.
 *
 * Each candidate i has a seed s_i = XXH64(address). For a key hash h, candidate i draws
 * x_i = XXH64(h as 8 bytes, seed s_i), a fresh uniform 64-bit value per (key, endpoint) pair, and
 * the largest score wins. With equal weights the score is x_i itself (compared unsigned). With
 * weights it is w_i / -ln(u_i), u_i = x_i mapped into (0, 1): the logarithmic method of
 * Schindelhauer and Schomaker, under which candidate i wins with probability exactly
 * w_i / sum(w). A score depends only on the key and the endpoint's address and weight, so
 * removing an endpoint moves only the keys it won, each to its runner-up, and they come back when
 * it returns. Cost: one 8-byte hash per candidate per pick (and a logarithm when weighted), so
 * this suits small sets.
 */
record Rendezvous(RandomSource random) implements Strategy {

    static final Rendezvous DEFAULT = new Rendezvous(RandomSource.threadLocal());

    /** The seed of the address hashes, fixed so that scores are stable across processes. */
    private static final long ADDRESS_SEED = 0x5EED_4E4D_455A_564FL;

    @Override
    public Picker newPicker(Candidates c) {
        int n = c.size();
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) {
            seeds[i] = XxHash64.hash(c.endpoint(i).address().getBytes(StandardCharsets.UTF_8),
                    ADDRESS_SEED);
        }
        int[] weights = Weights.of(c);
        if (Weights.allEqual(weights)) {
            return new HashPicker(random) {
                @Override
                public int pick(long hash) {
                    int best = 0;
                    long bestScore = XxHash64.hashLong(hash, seeds[0]);
                    for (int i = 1; i < seeds.length; i++) {
                        long score = XxHash64.hashLong(hash, seeds[i]);
                        if (Long.compareUnsigned(score, bestScore) > 0) {
                            best = i;
                            bestScore = score;
                        }
                    }
                    return best;
                }
            };
        }
        return new HashPicker(random) {
            @Override
            public int pick(long hash) {
                int best = 0;
                double bestScore = score(hash, seeds[0], weights[0]);
                for (int i = 1; i < seeds.length; i++) {
                    double score = score(hash, seeds[i], weights[i]);
                    if (score > bestScore) {
                        best = i;
                        bestScore = score;
                    }
                }
                return best;
            }
        };
    }

    /** {@code w / -ln(u)} with u uniform in (0, 1) from 53 bits of the pair's hash. */
    private static double score(long hash, long seed, double weight) {
        long x = XxHash64.hashLong(hash, seed);
        double u = ((x >>> 11) + 0.5) * 0x1.0p-53;
        return weight / -Math.log(u);
    }

    @Override
    public String toString() {
        return "Strategy.rendezvous()";
    }
}
