package io.lbkit.retry;

import static java.util.Objects.requireNonNull;

import io.lbkit.Ticker;
import io.lbkit.internal.Preconditions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When to race a slow call against a second endpoint ("hedging", Dean and Barroso, <i>The Tail at
 * Scale</i>, 2013): after a delay, fixed or a percentile of the service's recent latency, send
 * the same idempotent call again to a different endpoint; the first success wins. Thread-safe
 * and lock-free; share one policy among all the calls to one service, as with its
 * {@link RetryBudget} (a percentile policy learns that service's latency).
 *
 * <p>The default, {@link #of()}, hedges once after the service's recent 95th percentile: about 5%
 * of calls are hedged when the service is steady, and those are the calls in its tail. Hedges are
 * paid from the call's {@link RetryBudget}, the same one its retries draw from, so hedging cannot
 * multiply the load on an overloaded service: when latency rises everywhere the budget runs dry
 * and hedging stops.
 *
 * <p>An adapter uses a policy like this (lb-httpclient's {@code hedgePolicy} does; any other client can):
 * <pre>{@code
 * budget.onRequest();                              // once per call, as for retries
 * HedgePolicy.HedgedCall hedging = policy.start(budget);
 * send(lb.pick());
 * // after hedging.delayNanos() without an answer, and after each further delay:
 * if (hedging.tryHedge()) send(lb.pick(...another endpoint...));
 * // each attempt that completes:
 * policy.recordLatency(attemptNanos);              // the attempt's own latency
 * if (success) { hedging.finish(); cancel the others (report them released, not failed,
 *                and record each one's time so far with recordLatency); }
 * else if (!retryable) { hedging.stop(); }          // a final answer: no more hedges
 * }</pre>
 *
 * <p>Record the latency of <em>attempts</em> (each from its own start), not of hedged calls:
 * hedging shortens the calls' tail, and a delay learnt from the shortened tail would hedge ever
 * more often. For the same reason, when a loser is cancelled record its time so far: it is a
 * lower bound on its latency and already above the delay, which is all the percentile needs to
 * know (leaving the losers out censors the slowest attempts, the learnt percentile falls and
 * more calls are hedged: 6.3% instead of 5% at p95 in the simulator).
 */
public final class HedgePolicy {

    /** Default percentile of the recent latency after which to hedge: 95 (Dean and Barroso). */
    public static final double DEFAULT_PERCENTILE = 95;

    /** Smallest allowed percentile: 50. Hedging half the calls or more is a second request. */
    public static final double MIN_PERCENTILE = 50;

    /** Largest allowed percentile: 99.9. */
    public static final double MAX_PERCENTILE = 99.9;

    /** Default hedges per call: 1, which already cuts most of the tail (Dean and Barroso). */
    public static final int DEFAULT_MAX_HEDGES = 1;

    /** Largest allowed {@link Builder#maxHedges(int)}: 4 (five attempts in flight). */
    public static final int MAX_HEDGES = 4;

    /** Default floor on a percentile delay: 1 ms, so a fast service is not hedged on noise. */
    public static final Duration DEFAULT_MIN_DELAY = Duration.ofMillis(1);

    /**
     * Default cap on a percentile delay, also used until enough latency is known: 1 s. A cap
     * this high hedges little while the policy learns.
     */
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(1);

    /** Largest allowed delay (fixed or cap): 1 minute. */
    public static final Duration MAX_DELAY = Duration.ofMinutes(1);

    /** Default latency window: 10 s; the percentile covers the last 10 to 20 s. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

    /**
     * Samples needed before a percentile is trusted: 100 (five samples above a 95th percentile);
     * until then the delay is the cap.
     */
    public static final int MIN_SAMPLES = 100;

    private final long fixedNanos; // -1 for a percentile policy
    private final double percentile;
    private final long minNanos;
    private final long maxNanos;
    private final int maxHedges;
    private final Duration window;
    private final LatencyPercentiles latencies; // null for a fixed delay

    private HedgePolicy(Builder b) {
        this.fixedNanos = b.delay != null ? b.delay.toNanos() : -1;
        this.percentile = b.percentile;
        this.minNanos = b.minDelay.toNanos();
        this.maxNanos = b.maxDelay.toNanos();
        this.maxHedges = b.maxHedges;
        this.window = b.window;
        this.latencies = b.delay != null ? null
                : new LatencyPercentiles(b.ticker != null ? b.ticker : Ticker.system(),
                        b.window.toNanos());
    }

    /** The defaults: one hedge after the recent 95th percentile (within 1 ms..1 s). */
    public static HedgePolicy of() {
        return builder().build();
    }

    /** One hedge after a fixed delay. */
    public static HedgePolicy ofDelay(Duration delay) {
        return builder().delay(delay).build();
    }

    /** A builder starting from the defaults of {@link #of()}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * How long to wait, from an attempt's start, before sending the next hedge: the fixed delay,
     * or the recent percentile clamped to the delay bounds (the upper bound until
     * {@value #MIN_SAMPLES} latencies are known).
     */
    public long delayNanos() {
        if (latencies == null) {
            return fixedNanos;
        }
        long p = latencies.percentile(percentile / 100, MIN_SAMPLES);
        return p < 0 ? maxNanos : Math.max(minNanos, Math.min(maxNanos, p));
    }

    /** {@link #delayNanos()} as a {@code Duration}. */
    public Duration delay() {
        return Duration.ofNanos(delayNanos());
    }

    /**
     * Counts the latency of one completed attempt, for the percentile delay; does nothing for a
     * fixed delay. Allocates nothing.
     *
     * @param nanos the attempt's latency in nanoseconds, from its own start
     */
    public void recordLatency(long nanos) {
        if (latencies != null) {
            latencies.record(nanos);
        }
    }

    /** The most hedges one call may send, 1..{@value #MAX_HEDGES}. */
    public int maxHedges() {
        return maxHedges;
    }

    /** The fixed delay, or empty for a percentile policy. */
    public Optional<Duration> fixedDelay() {
        return fixedNanos < 0 ? Optional.empty()
                : Optional.of(Duration.ofNanos(fixedNanos));
    }

    /** The percentile of the recent latency after which to hedge; NaN for a fixed delay. */
    public double percentile() {
        return latencies == null ? Double.NaN : percentile;
    }

    /**
     * Starts the hedging of one call, whose hedges are paid from {@code budget}. The call itself
     * must be counted on the budget by the caller ({@link RetryBudget#onRequest()}), once, as for
     * retries.
     */
    public HedgedCall start(RetryBudget budget) {
        return new HedgedCall(this, requireNonNull(budget, "budget"));
    }

    @Override
    public String toString() {
        String when = latencies == null ? "delay=" + Duration.ofNanos(fixedNanos)
                : "p" + percentile + " in " + Duration.ofNanos(minNanos) + ".."
                        + Duration.ofNanos(maxNanos) + " over " + window;
        return "HedgePolicy[" + when + ", maxHedges=" + maxHedges + "]";
    }

    /**
     * The hedging state of one call: how many hedges it sent and whether it may send more.
     * Thread-safe: the timer that fires a hedge and the thread that hears an attempt's answer may
     * race; a hedge is granted only while the call is neither finished nor stopped, and at most
     * {@link HedgePolicy#maxHedges()} times.
     */
    public static final class HedgedCall {
        private static final int CLOSED = 1 << 30;

        private final HedgePolicy policy;
        private final RetryBudget budget;
        /** Hedges granted, plus CLOSED once finished or stopped. */
        private final AtomicInteger state = new AtomicInteger();

        private HedgedCall(HedgePolicy policy, RetryBudget budget) {
            this.policy = policy;
            this.budget = budget;
        }

        /** How long to wait from the latest attempt's start before the next hedge. */
        public long delayNanos() {
            return policy.delayNanos();
        }

        /**
         * Asks to send one more hedge now: granted when the call is still open, has sent fewer
         * than {@code maxHedges} hedges and the budget grants a retry. A refusal by the budget
         * leaves the call open (a later hedge may still be granted); call {@link #stop()} to give
         * up hedging it.
         */
        public boolean tryHedge() {
            while (true) {
                int s = state.get();
                if ((s & CLOSED) != 0 || s >= policy.maxHedges) {
                    return false;
                }
                if (state.compareAndSet(s, s + 1)) {
                    if (budget.tryAcquireRetry()) {
                        return true;
                    }
                    // Refused: give the slot back. Only a racing tryHedge (which a caller's single
                    // hedge timer does not do) or close could have moved the state meanwhile.
                    state.decrementAndGet();
                    return false;
                }
            }
        }

        /** An attempt succeeded: no further hedges. */
        public void finish() {
            close();
        }

        /**
         * An attempt gave a final, non-retryable answer (or the caller gave up): no more hedges.
         */
        public void stop() {
            close();
        }

        private void close() {
            int s;
            do {
                s = state.get();
            } while ((s & CLOSED) == 0 && !state.compareAndSet(s, s | CLOSED));
        }

        /** Whether the call may still hedge (neither finished nor stopped). */
        public boolean isOpen() {
            return (state.get() & CLOSED) == 0;
        }

        /** Hedges granted so far. */
        public int hedgesSent() {
            return state.get() & ~CLOSED;
        }
    }

    /**
     * Builds a {@link HedgePolicy}. Not thread-safe. Each option may be set once; a second call
     * throws {@link IllegalStateException} naming the earlier value. A fixed {@link #delay} and a
     * {@link #percentile} exclude each other; with neither the delay is the 95th percentile.
     */
    public static final class Builder {
        private Duration delay;
        private double percentile = DEFAULT_PERCENTILE;
        private Duration minDelay = DEFAULT_MIN_DELAY;
        private Duration maxDelay = DEFAULT_MAX_DELAY;
        private int maxHedges = DEFAULT_MAX_HEDGES;
        private Duration window = DEFAULT_WINDOW;
        private Ticker ticker;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();

        private Builder() {}

        /**
         * Hedge after this fixed delay from the latest attempt's start, instead of a percentile.
         *
         * @param delay 0..1 min
         * @throws IllegalArgumentException if out of range
         * @throws IllegalStateException if set before, or a percentile option was set
         */
        public Builder delay(Duration delay) {
            requireNonNull(delay, "delay");
            Preconditions.checkOnce("delay", this.delay);
            for (String option : List.of("percentile", "delayBounds", "window")) {
                if (set.isSet(option)) {
                    throw new IllegalStateException("delay excludes the percentile options, and "
                            + option + " was already set");
                }
            }
            this.delay = Preconditions.checkRange("delay", delay, Duration.ZERO, MAX_DELAY,
                    "0 ms..1 min");
            return this;
        }

        /**
         * Hedge after this percentile of the service's recent attempt latency; default 95.
         *
         * @param percentile {@value HedgePolicy#MIN_PERCENTILE}..{@value HedgePolicy#MAX_PERCENTILE}
         * @throws IllegalArgumentException if out of range
         */
        public Builder percentile(double percentile) {
            requirePercentileMode("percentile");
            this.percentile = set.range("percentile", this.percentile, percentile, MIN_PERCENTILE,
                    MAX_PERCENTILE, MIN_PERCENTILE + ".." + MAX_PERCENTILE);
            return this;
        }

        /**
         * Bounds on a percentile delay; default 1 ms..1 s. The upper bound is also the delay until
         * {@value HedgePolicy#MIN_SAMPLES} latencies are known.
         *
         * @param min 0..max
         * @param max min..1 min, above 0
         * @throws IllegalArgumentException if out of range
         */
        public Builder delayBounds(Duration min, Duration max) {
            requirePercentileMode("delayBounds");
            this.minDelay = set.bounds("delayBounds", minDelay + ".." + maxDelay, "min", min, max,
                    Duration.ofNanos(1), MAX_DELAY, "(0 ms, 1 min]");
            this.maxDelay = max;
            return this;
        }

        /**
         * The window of recent latency the percentile covers (one to two windows); default 10 s.
         *
         * @param window 1 s..1 h
         * @throws IllegalArgumentException if out of range
         */
        public Builder window(Duration window) {
            requirePercentileMode("window");
            this.window = set.range("window", this.window, window, Duration.ofSeconds(1),
                    Duration.ofHours(1), "1 s..1 h");
            return this;
        }

        /**
         * The most hedges one call may send; default {@value HedgePolicy#DEFAULT_MAX_HEDGES}.
         *
         * @param maxHedges 1..{@value HedgePolicy#MAX_HEDGES}
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxHedges(int maxHedges) {
            this.maxHedges = set.range("maxHedges", this.maxHedges, maxHedges, 1, MAX_HEDGES);
            return this;
        }

        /** The time source of the latency window; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Preconditions.setOnce("ticker", this.ticker, ticker);
            return this;
        }

        private void requirePercentileMode(String option) {
            if (delay != null) {
                throw new IllegalStateException(option + " excludes the fixed delay, which was "
                        + "already set to " + delay);
            }
        }

        public HedgePolicy build() {
            return new HedgePolicy(this);
        }
    }
}
