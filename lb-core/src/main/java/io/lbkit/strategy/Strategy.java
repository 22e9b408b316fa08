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
 * <p>The hash strategies {@link #ringHash()}, {@link #maglev()}, {@link #boundedLoad()} and
 * {@link #rendezvous()} map a call's key ({@code LoadBalancer.pick(key)}) to an endpoint, the same
 * endpoint for the same key while the eligible endpoints stay the same, and move few keys when
 * they change. They identify an endpoint by its {@linkplain io.lbkit.Endpoint#address() address},
 * so a rebuilt table (after a weight change or an ejection and return) maps keys as before.
 * Health, zones and priorities are applied first: a key whose endpoint is not eligible goes to
 * the next endpoint along its own ring or table, and returns when the endpoint does. Without a
 * key ({@code pick()}) they hash a random number.
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
     * Each endpoint in turn. Weights are ignored. Threads are spread over a few counters by
     * thread id, each walking the endpoints from its own starting point (much as each Envoy
     * worker does), so threads rarely contend on one counter. The starting points are spread from
     * a random offset drawn for each routing table, so that clients sharing a list (or one client
     * after a membership change) do not all begin at its first endpoint and walk it in lockstep.
     * Picks from a single thread cycle
     * exactly; threads whose ids share a counter interleave on that counter's cycle, so over
     * many picks every endpoint still gets an equal share.
     */
    static Strategy roundRobin() {
        return RoundRobin.DEFAULT;
    }

    /**
     * {@link #roundRobin()} whose starting offsets come from a generator seeded with
     * {@code seed} instead of {@link java.util.concurrent.ThreadLocalRandom}: the same sequence of
     * routing tables then starts at the same offsets, for simulations and tests that must repeat
     * exactly. Every picker built by the returned strategy, in any balancer, takes the next value
     * of that one generator, so pickers still start at different offsets from each other.
     */
    static Strategy roundRobin(long seed) {
        return new RoundRobin(RandomSource.seededThreadSafe(seed));
    }

    /**
     * Smooth weighted round robin: each endpoint gets exactly its weight's share of every cycle,
     * and its turns are spread through the cycle (weights 5, 1, 1 give {@code a b a a a c a}, not
     * five {@code a} in a row). An endpoint with at most half the total weight never gets more
     * than two turns in a row; one with w of the cycle's T turns (weights divided by their
     * greatest common divisor), w &gt; T/2, gets at most ⌈w / (T − w)⌉ in a row, the fewest
     * possible (weights 100, 1, 1, 1: runs of 33 or 34). The schedule is deterministic: the same
     * weights in the same order give the same cycle; each routing table starts walking it at a
     * random point, as {@link #roundRobin()} does. O(1) per pick from a precomputed schedule of
     * up to 262,144 entries; larger total weights are scaled down proportionally (at least one
     * turn per endpoint), and the run bounds then hold for the scaled weights.
     */
    static Strategy weightedRoundRobin() {
        return WeightedRoundRobin.DEFAULT;
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
     * Failures are cost: an endpoint whose recent calls failed has its load (plus one)
     * multiplied by its {@linkplain Candidates#failurePenalty failure penalty}, and when the
     * better candidate is still known to be failing up to 8 more are drawn, so an endpoint that
     * fails fast (and looks idle) gets less traffic than a working one. The penalty fades within
     * seconds once failures stop (docs/failure-model.md).
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
     * 0 while idle (so it is tried) and is avoided while its first call is in flight. A failure
     * counts as the current estimate (or its own latency if longer) and raises the endpoint's
     * {@linkplain Candidates#failurePenalty failure penalty}, which multiplies the cost, so a
     * fast-failing endpoint never looks fast; as with {@link #leastRequest()}, a known-failing
     * winner triggers up to 8 more draws. An estimate with no new sample for 5 s expires, so an
     * endpoint avoided for its latency or failures gets one real call every 5 s and a recovered
     * one is back within seconds (docs/failure-model.md). A sample faster than the estimate is
     * skipped until a pick finds the estimate at least decay/1024 (at most 1 ms) old, since it
     * would move the estimate by less than 1/1024 of its value: a busy endpoint's estimate is
     * then rewritten about once per that interval rather than on every call, and a report of a
     * faster sample reads no clock.
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

    /**
     * Ring hash (Karger et al.'s consistent hashing, as Envoy's {@code RING_HASH}): each endpoint
     * owns {@code weight × r} points on a 64-bit ring and a key goes to the first point at or
     * after its hash; lookup reads a bucket index over the hash space, then 1 to 2 points on
     * average (O(1) expected). The points per unit of weight {@code r} is the smallest power of
     * two that gives the ring at least 131,072 points, within at most 8,388,608 points (Envoy's
     * maximum; 8 bytes each). Envoy's minimum is 1,024; lbkit's is larger because
     * at 1,024 the busiest of 100 equal endpoints gets 1.6 to 1.9 times the mean load.
     *
     * <p>Removing an endpoint moves exactly its own keys, and adding one moves only the keys it
     * takes, while {@code r} stays the same. {@code r} changes only when the total weight crosses
     * a power-of-two fraction of the minimum ring size (with equal weights and the default
     * minimum: going between 2<sup>k</sup> and 2<sup>k</sup> - 1 endpoints, for 2<sup>k</sup> up
     * to 131,072); then every endpoint's point count doubles or halves and about 45% of all keys
     * move once. Envoy instead rescales on every change, moving a further ~1/n of the keys each
     * time. Use {@link #rendezvous()} where no change may move extra keys.
     *
     * <p>Balance grows with the points per endpoint. At the default minimum the busiest of 10
     * equal endpoints gets 1.01 to 1.03 times the mean, the busiest of 100 (2,048 points each)
     * 1.04 to 1.07 times; {@link #maglev()} balances as evenly in O(1) per pick.
     */
    static Strategy ringHash() {
        return RingHash.DEFAULT;
    }

    /**
     * {@link #ringHash()} with other ring bounds. A larger minimum balances better, at 8 bytes
     * per point and a longer build: keeping the busiest endpoint within 1.10 × the mean takes
     * about 2,000 points per endpoint, which a minimum of 131,072 gives for up to 100 equal
     * endpoints (1.01 at 10 endpoints, 1.04 to 1.07 at 100, measured over 1M keys).
     *
     * @param minRingSize 1..8,388,608 points; default 131,072 (Envoy's: 1,024)
     * @param maxRingSize minRingSize..8,388,608 points; the default: 8,388,608
     * @throws IllegalArgumentException if a size is out of range
     */
    static Strategy ringHash(int minRingSize, int maxRingSize) {
        return new RingHash(minRingSize, maxRingSize, RandomSource.threadLocal());
    }

    /**
     * Maglev hashing (Google's Maglev, as Envoy's {@code MAGLEV}): a lookup table of 65,537
     * slots (a prime; the paper's and Envoy's default) filled from per-endpoint permutations in
     * proportion to weight. O(1) lookup, near-perfect balance; membership changes move a little
     * more than the strictly necessary share of keys. When an endpoint leaves the candidates its
     * keys spread over the others, and when it returns the table is rebuilt exactly as before, so
     * they come back.
     */
    static Strategy maglev() {
        return Maglev.DEFAULT;
    }

    /**
     * {@link #maglev()} with another table size. Use at least 100 slots per endpoint for even
     * balance; the table holds 4 bytes per slot.
     *
     * @param tableSize a prime in 3..5,000,011 (Envoy's bound); the default: 65,537
     * @throws IllegalArgumentException if tableSize is not a prime in range
     */
    static Strategy maglev(int tableSize) {
        return new Maglev(tableSize, RandomSource.threadLocal());
    }

    /**
     * Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam): keys are placed
     * on the {@link #ringHash()} ring, but an endpoint already holding {@code ceil(c × average)}
     * calls in flight (weighted: its share of c times all calls in flight, this one included) is
     * skipped for the next along the ring. Keys stay sticky while load is even, and one hot key
     * cannot overload one endpoint. Default c: 1.25 (HAProxy's recommended
     * {@code hash-balance-factor 125}).
     *
     * <p>An idle endpoint is taken in O(1) expected (a bucket index into the ring); a busy one
     * costs a pass over all candidates' in-flight counts, so prefer it for tens to hundreds of endpoints.
     */
    static Strategy boundedLoad() {
        return BoundedLoad.DEFAULT;
    }

    /**
     * {@link #boundedLoad()} with another balance factor c: lower spreads load more evenly and
     * moves more keys off their home endpoint; 1.0 allows no endpoint above the (rounded up)
     * average.
     *
     * @param balanceFactor 1.0..100.0, used to two decimals (as HAProxy's percent); default 1.25
     * @throws IllegalArgumentException if balanceFactor is out of range or NaN
     */
    static Strategy boundedLoad(double balanceFactor) {
        return new BoundedLoad(balanceFactor, RingHash.DEFAULT_MIN_SIZE, RingHash.MAX_SIZE,
                RandomSource.threadLocal());
    }

    /**
     * Weighted rendezvous (highest random weight) hashing: every endpoint scores each key and the
     * highest score wins, with a win probability exactly proportional to weight. No table, and
     * removing an endpoint moves exactly its own keys; but a pick hashes the key once per
     * endpoint, O(n), so use it for small sets (tens of endpoints).
     */
    static Strategy rendezvous() {
        return Rendezvous.DEFAULT;
    }
}
