package io.lbkit.strategy;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random bits for the random strategies: {@link ThreadLocalRandom} in production, a seeded
 * source in tests. Implementations used by balancers are thread-safe.
 */
@FunctionalInterface
interface RandomSource {

    long nextLong();

    static RandomSource threadLocal() {
        return ThreadLocalRandomSource.INSTANCE;
    }

    /** A deterministic source for tests. Not thread-safe. */
    static RandomSource seeded(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return random::nextLong;
    }

    /**
     * A deterministic source that may be shared between threads (SplitMix64 over an atomic
     * counter): for strategies that draw only when a picker is built, so that a sequence of
     * rebuilds repeats exactly for a seed.
     */
    static RandomSource seededThreadSafe(long seed) {
        java.util.concurrent.atomic.AtomicLong state = new java.util.concurrent.atomic.AtomicLong(seed);
        return () -> {
            long z = state.addAndGet(0x9E37_79B9_7F4A_7C15L);
            z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
            return z ^ (z >>> 31);
        };
    }

    /**
     * Maps 32 random bits to {@code [0, n)} with one multiplication (Lemire's multiply-shift);
     * the bias is at most n / 2^32.
     */
    static int index(int random32, int n) {
        return (int) (((random32 & 0xFFFF_FFFFL) * n) >>> 32);
    }
}

/** The production source. */
enum ThreadLocalRandomSource implements RandomSource {
    INSTANCE;

    @Override
    public long nextLong() {
        return ThreadLocalRandom.current().nextLong();
    }
}
