package io.lbkit.strategy;

/**
 * {@link Strategy#leastRequest()}: power of d choices on calls in flight per unit of weight,
 * {@code inFlight / weight}, with candidates drawn in proportion to weight (see
 * {@link TwoChoices}); with equal weights, plainly the fewer calls in flight. Ties go to either
 * candidate at random, so an idle set is spread in proportion to weight.
 */
final class LeastRequest implements Strategy {

    /** The largest choice count: 10. Beyond a handful of draws P2C herds onto stale minima. */
    static final int MAX_CHOICES = 10;

    static final LeastRequest DEFAULT = new LeastRequest(2, RandomSource.threadLocal());

    private final int choices;
    private final RandomSource random;

    LeastRequest(int choices, RandomSource random) {
        if (choices < 2 || choices > MAX_CHOICES) {
            throw new IllegalArgumentException(
                    "choiceCount must be in 2.." + MAX_CHOICES + ", was " + choices);
        }
        this.choices = choices;
        this.random = random;
    }

    @Override
    public Picker newPicker(Candidates c) {
        int n = c.size();
        if (n == 1) {
            return () -> 0;
        }
        TwoChoices draws = new TwoChoices(c, random);
        if (choices == 2) {
            return () -> {
                long pair = draws.draw();
                int a = TwoChoices.first(pair);
                int b = TwoChoices.second(pair);
                // Load per unit of weight, inFlight / weight, compared by cross-multiplying.
                long la = (long) c.inFlight(a) * c.weight(b);
                long lb = (long) c.inFlight(b) * c.weight(a);
                if (la != lb) {
                    return la < lb ? a : b;
                }
                return TwoChoices.tieToFirst(pair) ? a : b;
            };
        }
        int d = choices;
        return () -> {
            int best = draws.one();
            long bestLoad = c.inFlight(best);
            int bestWeight = c.weight(best);
            for (int k = 1; k < d; k++) {
                int i = draws.one();
                long load = c.inFlight(i);
                int weight = c.weight(i);
                long mine = load * bestWeight;
                long theirs = bestLoad * weight;
                if (mine < theirs) {
                    best = i;
                    bestLoad = load;
                    bestWeight = weight;
                }
            }
            return best;
        };
    }

    @Override
    public String toString() {
        return "Strategy.leastRequest(" + choices + ")";
    }
}
