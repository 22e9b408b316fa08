package io.lbkit.strategy;

/**
 * {@link Strategy#leastRequest()}: power of d choices on calls in flight per unit of weight,
 * {@code (inFlight + 1) / weight}; with equal weights, plainly the fewer calls in flight.
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
        RandomSource r = random;
        if (choices == 2) {
            return () -> {
                long bits = r.nextLong();
                int a = RandomSource.index((int) (bits >>> 32), n);
                int b = RandomSource.index((int) bits, n - 1);
                if (b >= a) {
                    b++;
                }
                // Load per unit of weight, (inFlight + 1) / weight, compared by cross-multiplying.
                long la = (c.inFlight(a) + 1L) * c.weight(b);
                long lb = (c.inFlight(b) + 1L) * c.weight(a);
                if (la != lb) {
                    return la < lb ? a : b;
                }
                // Bit 0 barely influences either index (both take the high bits of a product).
                return (bits & 1) == 0 ? a : b;
            };
        }
        int d = choices;
        return () -> {
            int best = RandomSource.index((int) r.nextLong(), n);
            long bestLoad = c.inFlight(best) + 1L;
            int bestWeight = c.weight(best);
            for (int k = 1; k < d; k++) {
                long bits = r.nextLong();
                int i = RandomSource.index((int) (bits >>> 32), n);
                long load = c.inFlight(i) + 1L;
                int weight = c.weight(i);
                long mine = load * bestWeight;
                long theirs = bestLoad * weight;
                if (mine < theirs || (mine == theirs && (bits & 1) == 0)) {
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
