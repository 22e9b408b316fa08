package io.lbkit.strategy;

/**
 * The candidates' weights read into an array, for the strategies that precompute a table from
 * them off the pick path ({@link WeightedRoundRobin}, {@link WeightedRandom}, {@link TwoChoices},
 * {@link Rendezvous}).
 */
final class Weights {

    private Weights() {
    }

    /** The weights of {@code c}'s candidates, in candidate order. */
    static int[] of(Candidates c) {
        int[] weights = new int[c.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = c.weight(i);
        }
        return weights;
    }

    /** Whether all weights are the same (true for one), so the unweighted form may serve. */
    static boolean allEqual(int[] weights) {
        for (int w : weights) {
            if (w != weights[0]) {
                return false;
            }
        }
        return true;
    }
}
