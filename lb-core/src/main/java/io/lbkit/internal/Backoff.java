package io.lbkit.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The retry delays of a discovery source while its server keeps failing (DNS groups, etcd
 * groups): after the n-th consecutive failure, {@code min(initial × 2^(n-1), max)} less a random
 * jitter of up to 20%, so that many clients that failed together do not retry together.
 * Immutable and thread-safe.
 */
public final class Backoff {

    private final long initialNanos;
    private final long maxNanos;

    private Backoff(Duration initial, Duration max) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    /**
     * The backoff from a builder's {@code initialBackoff} and {@code maxBackoff} options.
     *
     * @throws IllegalArgumentException "initialBackoff (..) must not exceed maxBackoff (..)"
     */
    public static Backoff of(Duration initialBackoff, Duration maxBackoff) {
        if (initialBackoff.compareTo(maxBackoff) > 0) {
            throw new IllegalArgumentException("initialBackoff (" + initialBackoff
                    + ") must not exceed maxBackoff (" + maxBackoff + ")");
        }
        return new Backoff(initialBackoff, maxBackoff);
    }

    /**
     * The delay after the n-th consecutive failure, in nanoseconds, at least 1.
     *
     * @param failures 1 or more; a larger count than 63 waits as 63 do (the cap)
     */
    public long nanos(int failures) {
        int shift = Math.min(failures - 1, 62);
        long base = initialNanos > (maxNanos >> shift) ? maxNanos
                : Math.min(maxNanos, initialNanos << shift);
        double jitter = 1.0 - 0.2 * ThreadLocalRandom.current().nextDouble();
        return Math.max(1, (long) (base * jitter));
    }

    @Override
    public String toString() {
        return Duration.ofNanos(initialNanos) + ".." + Duration.ofNanos(maxNanos);
    }
}
