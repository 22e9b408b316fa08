package io.lbkit.retry;

import io.lbkit.internal.Preconditions;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently to retry a failed call: a bound on attempts and an exponential
 * backoff with full jitter between them. Immutable and thread-safe; one policy may serve any
 * number of clients.
 *
 * <p>The delay before retry {@code n} (1 for the first retry) is drawn uniformly from
 * {@code [0, min(maxBackoff, baseBackoff × 2^(n-1))]} ("full jitter", which spreads the retries of
 * many clients that failed at the same moment). What may be retried, and on which endpoint, is
 * the adapter's rule; how many retries a client may add overall is the {@link RetryBudget}'s.
 *
 * <pre>{@code
 * RetryPolicy policy = RetryPolicy.builder()
 *         .maxAttempts(2)
 *         .backoff(Duration.ofMillis(10), Duration.ofMillis(100))
 *         .build();
 * }</pre>
 */
public final class RetryPolicy {

    /** Default attempts per call, the first included: 3 (the first try and two retries). */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    /** Largest allowed {@link Builder#maxAttempts(int)}: 10. */
    public static final int MAX_ATTEMPTS = 10;

    /** Default base backoff: 25 ms, Envoy's default retry base interval. */
    public static final Duration DEFAULT_BASE_BACKOFF = Duration.ofMillis(25);

    /** Default backoff cap: 250 ms, ten times the base, as in Envoy. */
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofMillis(250);

    /** Largest allowed backoff cap: 1 minute. */
    public static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    private static final RetryPolicy DEFAULT = new RetryPolicy(DEFAULT_MAX_ATTEMPTS,
            DEFAULT_BASE_BACKOFF, DEFAULT_MAX_BACKOFF);

    private static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

    private final int maxAttempts;
    private final Duration baseBackoff;
    private final Duration maxBackoff;
    private final long baseNanos;
    private final long maxNanos;

    private RetryPolicy(int maxAttempts, Duration baseBackoff, Duration maxBackoff) {
        this.maxAttempts = maxAttempts;
        this.baseBackoff = baseBackoff;
        this.maxBackoff = maxBackoff;
        this.baseNanos = baseBackoff.toNanos();
        this.maxNanos = maxBackoff.toNanos();
    }

    /**
     * The defaults: {@value #DEFAULT_MAX_ATTEMPTS} attempts, backoff from 25 ms capped at 250 ms.
     */
    public static RetryPolicy of() {
        return DEFAULT;
    }

    /** A policy that never retries: one attempt. */
    public static RetryPolicy none() {
        return NONE;
    }

    /** A builder starting from the defaults of {@link #of()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Attempts per call, the first one included; 1 means no retries. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** The backoff ceiling before the first retry; it doubles for each further retry. */
    public Duration baseBackoff() {
        return baseBackoff;
    }

    /** The cap on the backoff ceiling. */
    public Duration maxBackoff() {
        return maxBackoff;
    }

    /**
     * The backoff before the given retry, drawn with {@link ThreadLocalRandom}.
     *
     * @param retry 1 for the first retry (the second attempt), 2 for the next, ...
     * @throws IllegalArgumentException if retry is less than 1
     */
    public Duration backoff(int retry) {
        return Duration.ofNanos(backoffNanos(retry, ThreadLocalRandom.current().nextDouble()));
    }

    /**
     * The backoff before the given retry, in nanoseconds, for a given uniform random draw: the
     * deterministic form of {@link #backoff(int)}.
     *
     * @param retry 1 for the first retry, 2 for the next, ...
     * @param uniform a number in {@code [0, 1)}
     * @throws IllegalArgumentException if retry is less than 1 or uniform is outside [0, 1)
     */
    public long backoffNanos(int retry, double uniform) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry must be at least 1, was " + retry);
        }
        if (!(uniform >= 0 && uniform < 1)) {
            throw new IllegalArgumentException("uniform must be in [0, 1), was " + uniform);
        }
        return (long) (uniform * ceilingNanos(retry));
    }

    /**
     * min(max, base × 2^(retry-1)) in constant time: a zero base stays zero (however large the
     * retry number), and a shift that would pass the cap is the cap.
     */
    private long ceilingNanos(int retry) {
        if (baseNanos == 0) {
            return 0;
        }
        int shift = retry - 1;
        // base < 2^63 >> shift exactly when shift < numberOfLeadingZeros(base) - 1
        if (shift >= Long.numberOfLeadingZeros(baseNanos) - 1) {
            return maxNanos;
        }
        return Math.min(baseNanos << shift, maxNanos);
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", backoff=" + baseBackoff + ".."
                + maxBackoff + "]";
    }

    /**
     * Builds a {@link RetryPolicy}. Not thread-safe. Each option may be set once; a second call
     * throws {@link IllegalStateException} naming the earlier value.
     */
    public static final class Builder {
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration baseBackoff = DEFAULT_BASE_BACKOFF;
        private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();

        private Builder() {}

        /**
         * Attempts per call, the first one included; default {@value #DEFAULT_MAX_ATTEMPTS}.
         *
         * @param maxAttempts 1..{@value #MAX_ATTEMPTS}
         * @throws IllegalArgumentException if out of range
         */
        public Builder maxAttempts(int maxAttempts) {
            this.maxAttempts = set.range("maxAttempts", this.maxAttempts, maxAttempts,
                    1, MAX_ATTEMPTS);
            return this;
        }

        /**
         * The exponential backoff: its first ceiling and its cap; default 25 ms and 250 ms.
         * {@code Duration.ZERO} for both retries at once.
         *
         * @param base 0..max
         * @param max base..1 minute
         * @throws IllegalArgumentException if out of range
         */
        public Builder backoff(Duration base, Duration max) {
            this.baseBackoff = set.bounds("backoff", baseBackoff + ".." + maxBackoff, "base", base,
                    max, Duration.ZERO, MAX_BACKOFF, "0 ms..1 min");
            this.maxBackoff = max;
            return this;
        }

        public RetryPolicy build() {
            return new RetryPolicy(maxAttempts, baseBackoff, maxBackoff);
        }
    }
}
