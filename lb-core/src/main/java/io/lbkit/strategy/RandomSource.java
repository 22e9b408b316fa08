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
