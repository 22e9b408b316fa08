package io.lbkit.strategy;

import java.time.Duration;

/**
 * {@link Strategy#peakEwma()}: power of two choices on latency × (in-flight + 1) × failure
 * penalty.
 */
record PeakEwma(Duration decay, RandomSource random) implements Strategy {

    /** 10 s: Finagle's and Linkerd's default decay time. */
    static final Duration DEFAULT_DECAY = Duration.ofSeconds(10);
    static final Duration MIN_DECAY = Duration.ofMillis(1);
    static final Duration MAX_DECAY = Duration.ofHours(1);

    /**
     * The cost per call in flight of an endpoint with no completed call: above any proven cost
     * (an hour's latency times 2^31 calls in flight is about 10^22), and small enough that
     * multiplying it by an in-flight count stays finite, so two unproven endpoints still compare
     * by their load. (A constant added to the count would be absorbed:
     * {@code Double.MAX_VALUE / 4 + 5} is {@code Double.MAX_VALUE / 4}.)
     */
    private static final double UNPROVEN_BUSY = 1e200;

    static final PeakEwma DEFAULT = new PeakEwma(DEFAULT_DECAY, RandomSource.threadLocal());

    PeakEwma {
        if (decay.compareTo(MIN_DECAY) < 0 || decay.compareTo(MAX_DECAY) > 0) {
            throw new IllegalArgumentException(
                    "decayTime must be in " + MIN_DECAY + ".." + MAX_DECAY + ", was " + decay);
        }
    }

    @Override
    public Duration latencyDecay() {
        return decay;
    }

    @Override
    public Picker newPicker(Candidates c) {
        int n = c.size();
        if (n == 1) {
            // Nothing to compare, but the estimate is still read: that is what lets the
            // endpoint's next faster sample in (see Candidates#latencyNanos), so its latency
            // figure keeps following its calls.
            return () -> {
                c.latencyNanos(0, c.ticker().read());
                return 0;
            };
        }
        TwoChoices draws = new TwoChoices(c, random);
        return () -> {
            long pair = draws.draw();
            int a = TwoChoices.first(pair);
            int b = TwoChoices.second(pair);
            long now = c.ticker().read();
            // Cost per unit of weight, compared by cross-multiplying.
            double ca = cost(c, a, now) * c.weight(b);
            double cb = cost(c, b, now) * c.weight(a);
            int best = ca < cb || ca == cb && TwoChoices.tieToFirst(pair) ? a : b;
            return c.failurePenalty(best) == 1 ? best : draws.avoidFailing(c, best, ORDER, now);
        };
    }

    /** Cost per unit of weight as the order {@link TwoChoices#avoidFailing} ranks draws by. */
    private static final TwoChoices.Order ORDER = (c, a, b, now) ->
            Double.compare(cost(c, a, now) * c.weight(b), cost(c, b, now) * c.weight(a));

    private static double cost(Candidates c, int i, long now) {
        int inFlight = c.inFlight(i);
        double latency = c.latencyNanos(i, now);
        if (latency == 0) {
            // Unproven, or its estimate expired: 0 while idle, so it gets one call (the trickle
            // that tells a recovered endpoint from a still-failing one), then avoided until that
            // call completes.
            return UNPROVEN_BUSY * inFlight;
        }
        return latency * (inFlight + 1) * c.failurePenalty(i);
    }

    @Override
    public String toString() {
        return "Strategy.peakEwma(" + decay + ")";
    }
}
