package io.lbkit.health;

import io.lbkit.internal.Preconditions;

/**
 * How many calls one endpoint may have in flight, learnt from the latency it answers with instead
 * of fixed: an adaptive concurrency limit. Immutable and thread-safe; one {@code ConcurrencyLimit}
 * makes a {@link Limiter} per endpoint.
 *
 * <p>{@link #gradient()} is a gradient limit in the spirit of Netflix concurrency-limits'
 * Gradient2 and Envoy's adaptive concurrency filter: it compares the endpoint's recent latency
 * with its latency <i>without load</i> and lets the limit grow while the two stay close, and
 * shrink in proportion as queueing makes the recent latency rise. See {@link GradientBuilder}
 * for the parameters and their defaults.
 *
 * <p><b>In a balancer.</b>
 * {@code LoadBalancer.builder(group).concurrencyLimit(ConcurrencyLimit.gradient())} gives each
 * endpoint a {@link Limiter}, kept in the endpoint's state (so it survives table
 * rebuilds, like the in-flight count and the latency EWMA) and fed by every report on its picks:
 * {@code onSuccess} → {@link Limiter#onSample}, {@code onFailure} → {@link Limiter#onFailure}
 * ({@code release} tells it nothing). A pick skips an endpoint whose calls in flight have reached
 * {@link Limiter#limit()} (one volatile read, no allocation) the way it skips one at its fixed
 * {@code maxRequestsPerEndpoint} cap, which the limit replaces; when every eligible endpoint is at
 * its limit, {@code pick} fails at once with {@code NoEndpointAvailableException}
 * ({@code AT_CAPACITY}). Without a balancer, a client applies a limiter itself:
 *
 * <pre>{@code
 * ConcurrencyLimit.Limiter limiter = ConcurrencyLimit.gradient().newLimiter();
 * if (inFlight < limiter.limit()) { send; then limiter.onSample(latencyNanos, inFlight); }
 * }</pre>
 *
 * <p>A balancer calls {@link #newLimiter()} under its lock when an endpoint joins: it must be
 * quick and must not call back into the balancer. {@link Limiter#limit()} is called on the pick
 * path and the other methods on the reporting threads: they must not block, throw or allocate.
 */
public interface ConcurrencyLimit {

    /** The gradient limit with its defaults (see {@link GradientBuilder}). */
    static ConcurrencyLimit gradient() {
        return GradientLimit.DEFAULTS;
    }

    /** A builder of a gradient limit, starting from the defaults. */
    static GradientBuilder gradientBuilder() {
        return new GradientBuilder();
    }

    /** A new limiter for one endpoint, at the initial limit. */
    Limiter newLimiter();

    /**
     * The learnt limit of one endpoint. Thread-safe and lock-free: any thread may report
     * samples, any thread may read the limit; reporting allocates nothing.
     */
    interface Limiter {

        /** The endpoint's current limit on calls in flight, at least 1. One volatile read. */
        int limit();

        /**
         * One call completed with an answer (success, or a failure that is not a sign of
         * overload).
         *
         * @param latencyNanos its latency in nanoseconds
         * @param inFlight calls in flight on the endpoint when it was sent or completed, itself
         *     included: tells a limit that is used from one that is not
         */
        void onSample(long latencyNanos, int inFlight);

        /**
         * One call was dropped: it timed out, or the endpoint answered that it is overloaded
         * (HTTP 503 or 429, gRPC {@code RESOURCE_EXHAUSTED}). The limit backs off.
         *
         * @param inFlight calls in flight on the endpoint, itself included
         */
        void onDrop(int inFlight);

        /**
         * One call failed, and the caller cannot tell whether from overload: what a balancer
         * reports for {@link io.lbkit.Pick#onFailure}. The limiter decides from the latency
         * whether it was a drop; the gradient limiter counts it as one (see {@link #onDrop}) when
         * it took longer than {@code tolerance ×} the no-load latency (a timeout, or an answer
         * that waited in a queue) and ignores it otherwise: a refused connection or a quick
         * error says nothing about the endpoint's capacity, and counting those would hold an
         * endpoint with a steady 5 % of errors at its floor.
         *
         * @param latencyNanos how long the call took until it failed, in nanoseconds
         * @param inFlight calls in flight on the endpoint, itself included
         */
        void onFailure(long latencyNanos, int inFlight);
    }

    /**
     * Builds a gradient {@link ConcurrencyLimit}. Not thread-safe. Each option may be set once; a
     * second call throws {@link IllegalStateException} naming the earlier value.
     *
     * <p>The algorithm, once per window of {@link #windowSamples} samples: with {@code rtt} the
     * window's mean latency and {@code noLoad} the no-load estimate,
     * {@code gradient = clamp(tolerance × noLoad / rtt, 0.5, 1)} and
     * {@code limit ← (1 − smoothing) × limit + smoothing × (gradient × limit + √limit)}, clamped
     * to {@code [minLimit, maxLimit]}; the {@code √limit} headroom is what lets the limit probe
     * upwards. It does not grow while fewer than half of the limit's calls are in flight (an
     * unused limit says nothing about capacity). A window with a dropped call multiplies the
     * limit by 0.9 instead (AIMD's backoff). The no-load estimate is the lowest window mean seen,
     * and every 200 windows it is measured afresh, as
     * Envoy's filter does: for two windows the limit drops to
     * 3 calls (Envoy's {@code min_concurrency}: no queueing at the endpoint; a lower limit stays
     * as it is), the second window's
     * mean becomes the estimate, and the previous limit returns. Without that re-measurement a
     * sustained overload would raise the estimate with the queue and the limit would creep up
     * (Gradient2's long-window drift).
     */
    final class GradientBuilder {
        /** Default initial limit: 20 calls, Netflix's. */
        public static final int DEFAULT_INITIAL_LIMIT = 20;
        /** Default floor: 1 call, so a slow endpoint is still tried. */
        public static final int DEFAULT_MIN_LIMIT = 1;
        /** Default ceiling: 200 calls, Netflix's {@code maxConcurrency}. */
        public static final int DEFAULT_MAX_LIMIT = 200;
        /** Largest allowed ceiling: 100,000 calls. */
        public static final int MAX_LIMIT = 100_000;
        /** Default tolerance: 1.5, Netflix's {@code rttTolerance}: latency may rise by half. */
        public static final double DEFAULT_TOLERANCE = 1.5;
        /** Default smoothing: 0.2, Netflix's: a window moves the limit a fifth of the way. */
        public static final double DEFAULT_SMOOTHING = 0.2;
        /** Default window: 25 samples, enough for a mean within about ±20%. */
        public static final int DEFAULT_WINDOW_SAMPLES = 25;

        private int initialLimit = DEFAULT_INITIAL_LIMIT;
        private int minLimit = DEFAULT_MIN_LIMIT;
        private int maxLimit = DEFAULT_MAX_LIMIT;
        private double tolerance = DEFAULT_TOLERANCE;
        private double smoothing = DEFAULT_SMOOTHING;
        private int windowSamples = DEFAULT_WINDOW_SAMPLES;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();

        GradientBuilder() {}

        /**
         * The limit before anything is learnt; default 20, clamped into the bounds at build.
         *
         * @param initialLimit 1..{@value #MAX_LIMIT}
         * @throws IllegalArgumentException if out of range
         */
        public GradientBuilder initialLimit(int initialLimit) {
            this.initialLimit = set.range("initialLimit", this.initialLimit, initialLimit, 1,
                    MAX_LIMIT);
            return this;
        }

        /**
         * The range the limit stays in; default 1..200.
         *
         * @param min 1..max
         * @param max min..{@value #MAX_LIMIT}
         * @throws IllegalArgumentException if out of range
         */
        public GradientBuilder limitBounds(int min, int max) {
            String earlier = minLimit + ".." + maxLimit;
            set.checkUnset("limitBounds", earlier);
            Preconditions.checkRange("limitBounds max", max, 1, MAX_LIMIT);
            if (min < 1 || min > max) {
                throw new IllegalArgumentException("limitBounds min must be in 1..max (" + max
                        + "), was " + min);
            }
            this.minLimit = min;
            this.maxLimit = max;
            set.check("limitBounds", earlier); // only once both values passed
            return this;
        }

        /**
         * How far the recent latency may rise above the no-load latency before the limit
         * shrinks; default 1.5.
         *
         * @param tolerance 1..10
         * @throws IllegalArgumentException if out of range
         */
        public GradientBuilder tolerance(double tolerance) {
            this.tolerance = set.range("tolerance", this.tolerance, tolerance, 1, 10, "1..10");
            return this;
        }

        /**
         * The share of the way a window moves the limit towards its new value; default 0.2.
         *
         * @param smoothing (0, 1]
         * @throws IllegalArgumentException if out of range
         */
        public GradientBuilder smoothing(double smoothing) {
            set.checkUnset("smoothing", this.smoothing);
            if (!(smoothing > 0 && smoothing <= 1)) {
                throw new IllegalArgumentException("smoothing must be in (0, 1], was " + smoothing);
            }
            set.check("smoothing", this.smoothing);
            this.smoothing = smoothing;
            return this;
        }

        /**
         * Samples per window (one limit update each); default 25.
         *
         * @param windowSamples 1..10,000
         * @throws IllegalArgumentException if out of range
         */
        public GradientBuilder windowSamples(int windowSamples) {
            this.windowSamples = set.range("windowSamples", this.windowSamples, windowSamples, 1,
                    10_000);
            return this;
        }

        public ConcurrencyLimit build() {
            return new GradientLimit(Math.max(minLimit, Math.min(maxLimit, initialLimit)),
                    minLimit, maxLimit, tolerance, smoothing, windowSamples);
        }
    }
}
