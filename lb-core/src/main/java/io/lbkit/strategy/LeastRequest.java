package io.lbkit.strategy;

/**
 * {@link Strategy#leastRequest()}: power of d choices on calls in flight per unit of weight,
 * {@code inFlight / weight}, with candidates drawn in proportion to weight (see
 * {@link TwoChoices}); with equal weights, plainly the fewer calls in flight. Ties go to either
 * candidate at random, so an idle set is spread in proportion to weight. A candidate whose recent
 * calls failed has its load (plus one) multiplied by its {@linkplain Candidates#failurePenalty
 * failure penalty}, so failing fast does not attract traffic; when the better candidate is
 * still known to be failing, a few more are drawn (see {@link TwoChoices#avoidFailing}).
 */
record LeastRequest(int choices, RandomSource random) implements Strategy {

    /** The largest choice count: 10. Beyond a handful of draws P2C herds onto stale minima. */
    static final int MAX_CHOICES = 10;

    /** {@link #compare} as the order {@link TwoChoices#avoidFailing} ranks further draws by. */
    private static final TwoChoices.Order ORDER = (c, a, b, now) -> compare(c, a, b);

    static final LeastRequest DEFAULT = new LeastRequest(2, RandomSource.threadLocal());

    LeastRequest {
        if (choices < 2 || choices > MAX_CHOICES) {
            throw new IllegalArgumentException(
                    "choiceCount must be in 2.." + MAX_CHOICES + ", was " + choices);
        }
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
                int order = compare(c, a, b);
                int best = order < 0 || order == 0 && TwoChoices.tieToFirst(pair) ? a : b;
                return c.failurePenalty(best) == 1 ? best : draws.avoidFailing(c, best, ORDER, 0);
            };
        }
        int d = choices;
        return () -> {
            int best = draws.one();
            for (int k = 1; k < d; k++) {
                int i = draws.one();
                if (compare(c, i, best) < 0) {
                    best = i;
                }
            }
            return c.failurePenalty(best) == 1 ? best : draws.avoidFailing(c, best, ORDER, 0);
        };
    }

    /**
     * Negative when candidate {@code a} is the better choice, positive when {@code b} is, 0 on a
     * tie. While neither has failed lately (the usual case), load per unit of weight,
     * {@code inFlight / weight}, compared exactly by cross-multiplying. Otherwise
     * {@code (inFlight + 1) × failurePenalty / weight}: the + 1 makes the penalty count for an
     * endpoint with nothing in flight, which is what a fast-failing endpoint looks like.
     */
    static int compare(Candidates c, int a, int b) {
        double pa = c.failurePenalty(a);
        double pb = c.failurePenalty(b);
        if (pa == pb) {
            long la = (long) c.inFlight(a) * c.weight(b);
            long lb = (long) c.inFlight(b) * c.weight(a);
            return Long.compare(la, lb);
        }
        double ca = (c.inFlight(a) + 1.0) * pa * c.weight(b);
        double cb = (c.inFlight(b) + 1.0) * pb * c.weight(a);
        return Double.compare(ca, cb);
    }

    @Override
    public String toString() {
        return "Strategy.leastRequest(" + choices + ")";
    }
}
