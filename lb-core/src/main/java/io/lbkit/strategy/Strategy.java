package io.lbkit.strategy;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How a load balancer chooses one endpoint per call. Immutable and thread-safe; one strategy may
 * serve many balancers.
 *
 * <p>Use the factories: {@link #roundRobin()}, {@link #weightedRoundRobin()}, {@link #random()},
 * {@link #weightedRandom()}, {@link #leastRequest()}, {@link #peakEwma()}. Every picker they build
 * is lock-free and allocation-free, and costs the same for 3 or 10,000 endpoints.
 *
 * <p>Implementing this interface is how to plug in a strategy of one's own: the balancer calls
 * {@link #newPicker} off the hot path whenever its routing table changes.
 */
public interface Strategy {

    /**
     * Builds the picker for one routing table. Called by one thread at a time, off the pick path;
     * may precompute freely (schedules, hash tables).
     *
     * @param candidates the table's candidates; at least one
     */
    Picker newPicker(Candidates candidates);

    /**
     * The decay time of the peak-EWMA latency the balancer should track per endpoint for this
     * strategy, or {@link Duration#ZERO} (the default) when the strategy does not use latency and
     * the balancer may skip tracking it.
     */
    default Duration latencyDecay() {
        return Duration.ZERO;
    }

    /**
     * Each endpoint in turn. Weights are ignored. Each thread walks the endpoints from its own
     * starting point (as each Envoy worker does), so threads do not contend on one counter;
     * picks from one thread cycle exactly.
     */
    static Strategy roundRobin() {
        return RoundRobin.INSTANCE;
    }

    /**
     * Smooth weighted round robin: each endpoint gets exactly its weight's share of every cycle,
     * and its turns are spread through the cycle (weights 5, 1, 1 give {@code a a b a c a a}, not
     * five {@code a} in a row). O(1) per pick from a precomputed schedule of up to 262,144
     * entries; larger total weights are scaled down proportionally.
     */
    static Strategy weightedRoundRobin() {
        return WeightedRoundRobin.INSTANCE;
    }

    /** A uniformly random endpoint per call. Weights are ignored. */
    static Strategy random() {
        return RandomStrategy.DEFAULT;
    }

    /** A random endpoint with probability proportional to its weight; O(1) (alias method). */
    static Strategy weightedRandom() {
        return WeightedRandom.DEFAULT;
    }

    /**
     * Least request with the power of two choices: draws two distinct endpoints at random and
     * takes the one with fewer calls in flight per unit of weight (ties broken at random). The
     * default strategy: it adapts to slow or overloaded endpoints at the cost of one comparison.
     */
    static Strategy leastRequest() {
        return LeastRequest.DEFAULT;
    }

    /**
     * Least request over {@code choiceCount} random draws (2 is the classic power of two
     * choices; more draws balance more tightly but herd more when load information is stale).
     *
     * @param choiceCount 2..{@value LeastRequest#MAX_CHOICES}
     * @throws IllegalArgumentException if choiceCount is out of range
     */
    static Strategy leastRequest(int choiceCount) {
        return new LeastRequest(choiceCount, RandomSource.threadLocal());
    }

    /**
     * Latency-aware power of two choices (Finagle's and Linkerd's peak EWMA): draws two distinct
     * endpoints and takes the one with the lower {@code latency × (inFlight + 1) / weight}, where
     * latency is an exponentially weighted moving average that jumps at once to any slower sample (the
     * peak) and decays with a time constant of 10 s. An endpoint with no completed call yet costs
     * 0 while idle (so it is tried) and is avoided while its first call is in flight; a failure
     * counts as twice the current estimate, so a fast-failing endpoint never looks fast.
     */
    static Strategy peakEwma() {
        return PeakEwma.DEFAULT;
    }

    /**
     * {@link #peakEwma()} with another decay time: shorter reacts faster to recovery and to
     * noise alike.
     *
     * @param decayTime 1 ms..1 h
     * @throws IllegalArgumentException if decayTime is out of range
     */
    static Strategy peakEwma(Duration decayTime) {
        requireNonNull(decayTime, "decayTime");
        return new PeakEwma(decayTime, RandomSource.threadLocal());
    }
}
