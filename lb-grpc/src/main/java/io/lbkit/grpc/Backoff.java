package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * Exponential back-off with jitter, with grpc's connection back-off parameters (gRPC's
 * {@code doc/connection-backoff.md}, grpc-java's {@code ExponentialBackoffPolicy}): 1 s, then
 * × 1.6 per attempt up to 120 s, each delay ± 20 % at random. Not thread-safe; confined to its
 * owner (a {@link HealthWatch}, in the channel's synchronization context).
 */
final class Backoff {

    /** 1 s: grpc's INITIAL_BACKOFF. */
    static final long INITIAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** 120 s: grpc's MAX_BACKOFF. */
    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(120);
    /** grpc's MULTIPLIER. */
    static final double MULTIPLIER = 1.6;
    /** ± 20 %: grpc's JITTER, so that streams closed at one moment do not retry at one moment. */
    static final double JITTER = 0.2;

    private final DoubleSupplier random;
    private long next = INITIAL_NANOS;

    /** @param random uniform values in [0, 1): the jitter's source */
    Backoff(DoubleSupplier random) {
        this.random = requireNonNull(random, "random");
    }

    /** The delay before the next attempt; each call grows the one after it. */
    long nextDelayNanos() {
        long base = next;
        next = (long) Math.min(base * MULTIPLIER, MAX_NANOS);
        double factor = 1 - JITTER + 2 * JITTER * random.getAsDouble();
        return (long) (base * factor);
    }

    /** Back to the initial delay: an attempt succeeded. */
    void reset() {
        next = INITIAL_NANOS;
    }
}
