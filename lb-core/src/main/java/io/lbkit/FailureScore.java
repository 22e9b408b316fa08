package io.lbkit;

/**
 * The failure score: lbkit's one measure of how an endpoint's recent calls went, from 0 (its
 * recent calls succeeded, or it had none lately) towards 1 (they all failed). Every rule that
 * must tell a failing endpoint from a working one reads it: the load-aware strategies multiply
 * their cost by {@link #penalty}, a retry looks past endpoints that are {@link #failing} (and,
 * when it can, past those whose latest outcome, still remembered here, was a failure), outlier
 * detection ejects beyond its cap only while the endpoints left in rotation mostly are not
 * failing, and panic routing never adds back an endpoint known to be failing while a healthy one
 * remains. docs/failure-model.md describes the whole model. Stateless; the score itself lives in
 * {@link EndpointState}.
 *
 * <p>Each reported outcome moves the score a quarter of the way to 1 (a failure) or to 0 (a
 * success): {@code score = score × 3/4 + (failed ? 1/4 : 0)}. Between reports the score decays
 * towards 0 with a time constant of {@link #DECAY_NANOS}, so evidence fades even when no call
 * samples the endpoint: an endpoint that stopped being picked because it failed is picked again
 * within seconds, however long its outage lasted, and never starves.
 */
final class FailureScore {

    /** How far one outcome moves the score: 1/4, so two failures in a row make it failing. */
    static final double WEIGHT = 0.25;

    /**
     * 2 s: the decay time constant. Long enough that a fast-failing endpoint is retried only about
     * once per second under load (its penalty must decay below the healthy endpoints' load);
     * short enough that a recovered one is back to its fair share within about 3 s.
     */
    static final long DECAY_NANOS = 2_000_000_000L;

    /**
     * 0.4: at or above it an endpoint is "known to be failing" (two failures in a row, or most of
     * its recent calls, within the last second or so).
     */
    static final double FAILING = 0.4;

    /** Scores below 1/64 are forgotten (snap to 0), so a recovered endpoint's penalty ends. */
    static final double FORGOTTEN = 1.0 / 64;

    /** The smallest {@code 1 - score} the penalty uses: caps the penalty at 2^20. */
    private static final double MIN_HEADROOM = 1.0 / 1024;

    private FailureScore() {}

    /** The score {@code score}, recorded at {@code stamp}, decayed to {@code now}. */
    static double decayed(double score, long stamp, long now) {
        if (score == 0) {
            return 0;
        }
        long age = now - stamp;
        if (age <= 0) {
            return score;
        }
        double v = score * Math.exp(-(double) age / DECAY_NANOS);
        return v < FORGOTTEN ? 0 : v;
    }

    /** The score after one more outcome, from the score decayed to the outcome's time. */
    static double next(double decayed, boolean failed) {
        double v = decayed * (1 - WEIGHT) + (failed ? WEIGHT : 0);
        return v < FORGOTTEN ? 0 : v;
    }

    /**
     * The factor a load-aware strategy multiplies an endpoint's cost by: {@code 1 / (1 - score)²},
     * 1 for a working endpoint, 4 at score 1/2, up to 2^20. {@code 1 / (1 - p)} is the expected
     * number of attempts per success when calls fail with probability p; squaring it makes a
     * fast-failing endpoint, whose in-flight count and latency look attractive, lose to any
     * working endpoint that is not many times busier.
     */
    static double penalty(double score) {
        if (score == 0) {
            return 1;
        }
        double headroom = Math.max(1 - score, MIN_HEADROOM);
        return 1 / (headroom * headroom);
    }

    static boolean failing(double score) {
        return score >= FAILING;
    }
}
