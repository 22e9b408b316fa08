package io.lbkit.retry;

import io.lbkit.Ticker;
import io.lbkit.internal.Preconditions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Caps the retries a client adds to its traffic, so that when a whole service fails, retries do
 * not multiply the load on it. Thread-safe and lock-free; share one budget among all the calls
 * to one service.
 *
 * <p>Every call is counted with {@link #onRequest()}; every retry must first be granted by
 * {@link #tryAcquireRetry()}. Over a sliding window (default 10 s) the retries granted stay at or
 * below {@code retryRatio × requests + minRetriesPerSecond × window seconds}: with the defaults,
 * 20% of the calls plus 10 retries per second (Finagle's {@code RetryBudget} defaults; Envoy's
 * retry budget also defaults to 20%). The floor lets a client with little traffic still retry
 * the odd failure. When every call fails, about one call in five is retried instead of every call
 * being tried {@code maxAttempts} times.
 *
 * <pre>{@code
 * RetryBudget budget = RetryBudget.builder().retryRatio(0.1).build();
 * }</pre>
 */
/*
 * Implementation notes.
 *
 * The window is split into BUCKETS time slots. Each slot is an immutable-epoch Bucket holding two
 * LongAdders (requests and retries) and lives in an AtomicReferenceArray indexed by epoch modulo
 * BUCKETS. A thread that finds a stale bucket in its slot CASes a fresh one in; the loser of that
 * race uses the winner's bucket. An increment that lands in a bucket just being replaced is lost,
 * which only errs towards fewer counted calls for an instant. Epochs count slots from the
 * budget's creation, a difference of two ticker readings (all the Ticker contract promises), so
 * a ticker that passes Long.MAX_VALUE and wraps keeps its epochs in order.
 *
 * tryAcquireRetry() increments first and checks afterwards, undoing its increment when the sum is
 * over the limit. Racing retries may thus refuse each other near the limit but cannot both pass
 * it: the budget errs on the side of fewer retries. Sums read the adders without a lock; they are
 * estimates, which a budget tolerates. Rotation allocates one small Bucket per slot per slot
 * time; the per-call operations allocate nothing.
 */
public final class RetryBudget {

    /** Default share of calls that may be retried: 0.2 (20%), as in Finagle and Envoy. */
    public static final double DEFAULT_RETRY_RATIO = 0.2;

    /** Default floor: 10 retries per second, Finagle's {@code minRetriesPerSec}. */
    public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

    /** Default window: 10 s, Finagle's budget TTL: long enough to smooth bursts. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

    /** Largest allowed retry ratio: 10 (1000%). */
    public static final double MAX_RETRY_RATIO = 10;

    /** Largest allowed floor: 100,000 retries per second. */
    public static final int MAX_MIN_RETRIES_PER_SECOND = 100_000;

    private static final int BUCKETS = 10;

    private final double retryRatio;
    private final int minRetriesPerSecond;
    private final Duration window;
    private final Ticker ticker;
    private final long bucketNanos;
    /** The ticker's reading at creation: epochs are slots elapsed since. */
    private final long origin;
    private final double floor;
    private final AtomicReferenceArray<Bucket> buckets = new AtomicReferenceArray<>(BUCKETS);
    // Cumulative counts since the budget was built, for metrics; never reset.
    private final LongAdder totalRequests = new LongAdder();
    private final LongAdder totalGranted = new LongAdder();
    private final LongAdder totalDenied = new LongAdder();

    private RetryBudget(double retryRatio, int minRetriesPerSecond, Duration window, Ticker ticker) {
        this.retryRatio = retryRatio;
        this.minRetriesPerSecond = minRetriesPerSecond;
        this.window = window;
        this.ticker = ticker;
        this.bucketNanos = window.toNanos() / BUCKETS;
        this.floor = minRetriesPerSecond * (window.toNanos() / 1e9);
        this.origin = ticker.read();
        for (int i = 0; i < BUCKETS; i++) {
            buckets.set(i, new Bucket(Long.MIN_VALUE));
        }
        bucket(0);
    }

    /** A budget with the defaults: 20% of calls plus 10 retries per second, over 10 s. */
    public static RetryBudget of() {
        return builder().build();
    }

    /** A budget that grants no retry at all. */
    public static RetryBudget none() {
        return builder().retryRatio(0).minRetriesPerSecond(0).build();
    }

    /** A builder starting from the defaults of {@link #of()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Counts one call (its first attempt). */
    public void onRequest() {
        bucket(epoch()).requests.increment();
        totalRequests.increment();
    }

    /**
     * Asks to retry a call: grants it (and counts it) when the retries in the window stay within
     * the budget, refuses it otherwise.
     */
    public boolean tryAcquireRetry() {
        long epoch = epoch();
        Bucket current = bucket(epoch);
        current.retries.increment();
        long requests = 0;
        long retries = 0;
        for (int i = 0; i < BUCKETS; i++) {
            Bucket b = buckets.get(i);
            if (b.epoch > epoch - BUCKETS && b.epoch <= epoch) {
                requests += b.requests.sum();
                retries += b.retries.sum();
            }
        }
        if (retries <= retryRatio * requests + floor) {
            totalGranted.increment();
            return true;
        }
        current.retries.decrement();
        totalDenied.increment();
        return false;
    }

    /**
     * Calls counted with {@link #onRequest()} since the budget was built: a cumulative count for
     * metrics, exact once the counting threads have returned.
     */
    public long requests() {
        return totalRequests.sum();
    }

    /** Retries {@link #tryAcquireRetry()} granted since the budget was built; cumulative. */
    public long retriesGranted() {
        return totalGranted.sum();
    }

    /** Retries {@link #tryAcquireRetry()} refused since the budget was built; cumulative. */
    public long retriesDenied() {
        return totalDenied.sum();
    }

    /** The share of calls that may be retried, 0..{@value #MAX_RETRY_RATIO}. */
    public double retryRatio() {
        return retryRatio;
    }

    /** Retries per second granted whatever the traffic. */
    public int minRetriesPerSecond() {
        return minRetriesPerSecond;
    }

    /** The sliding window over which calls and retries are counted. */
    public Duration window() {
        return window;
    }

    /** The current slot's number, counted from the budget's creation. */
    private long epoch() {
        return Math.floorDiv(ticker.read() - origin, bucketNanos);
    }

    private Bucket bucket(long epoch) {
        int slot = (int) Math.floorMod(epoch, (long) BUCKETS);
        Bucket b = buckets.get(slot);
        if (b.epoch >= epoch) {
            return b; // current, or a thread with a later clock reading rotated it already
        }
        Bucket fresh = new Bucket(epoch);
        return buckets.compareAndSet(slot, b, fresh) ? fresh : buckets.get(slot);
    }

    @Override
    public String toString() {
        return "RetryBudget[ratio=" + retryRatio + ", minPerSecond=" + minRetriesPerSecond
                + ", window=" + window + "]";
    }

    /** The counts of one time slot. */
    private static final class Bucket {
        final long epoch;
        final LongAdder requests = new LongAdder();
        final LongAdder retries = new LongAdder();

        Bucket(long epoch) {
            this.epoch = epoch;
        }
    }

    /**
     * Builds a {@link RetryBudget}. Not thread-safe. Each option may be set once; a second call
     * throws {@link IllegalStateException} naming the earlier value.
     */
    public static final class Builder {
        private double retryRatio = DEFAULT_RETRY_RATIO;
        private int minRetriesPerSecond = DEFAULT_MIN_RETRIES_PER_SECOND;
        private Duration window = DEFAULT_WINDOW;
        private Ticker ticker;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();

        private Builder() {}

        /**
         * The share of calls that may be retried; default 0.2.
         *
         * @param retryRatio 0..{@value RetryBudget#MAX_RETRY_RATIO}
         * @throws IllegalArgumentException if out of range
         */
        public Builder retryRatio(double retryRatio) {
            this.retryRatio = set.range("retryRatio", this.retryRatio, retryRatio, 0,
                    MAX_RETRY_RATIO, "0.." + MAX_RETRY_RATIO);
            return this;
        }

        /**
         * Retries per second granted whatever the traffic; default 10.
         *
         * @param minRetriesPerSecond 0..{@value RetryBudget#MAX_MIN_RETRIES_PER_SECOND}
         * @throws IllegalArgumentException if out of range
         */
        public Builder minRetriesPerSecond(int minRetriesPerSecond) {
            this.minRetriesPerSecond = set.range("minRetriesPerSecond", this.minRetriesPerSecond,
                    minRetriesPerSecond, 0, MAX_MIN_RETRIES_PER_SECOND);
            return this;
        }

        /**
         * The sliding window; default 10 s.
         *
         * @param window 1 s..1 h
         * @throws IllegalArgumentException if out of range
         */
        public Builder window(Duration window) {
            this.window = set.range("window", this.window, window, Duration.ofSeconds(1),
                    Duration.ofHours(1), "1 s..1 h");
            return this;
        }

        /** The time source; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Preconditions.setOnce("ticker", this.ticker, ticker);
            return this;
        }

        public RetryBudget build() {
            return new RetryBudget(retryRatio, minRetriesPerSecond, window,
                    ticker != null ? ticker : Ticker.system());
        }
    }
}
