package io.lbkit.strategy;

/** {@link Strategy#ringHash()}: consistent hashing on a ring of weighted virtual nodes. */
record RingHash(int minSize, int maxSize, RandomSource random) implements Strategy {

    /**
     * Default minimum ring size: 131,072 points (1 MiB). Envoy's default, 1,024, leaves the
     * busiest of 100 equal endpoints with 1.6 to 1.9 times the mean load; 131,072 is the smallest
     * power of two that keeps it within 1.10 (measured in HashStrategyProperties).
     */
    static final int DEFAULT_MIN_SIZE = 131_072;
    /** Default and largest maximum ring size: 8,388,608 points (64 MiB), Envoy's default. */
    static final int MAX_SIZE = 8 * 1024 * 1024;

    static final RingHash DEFAULT =
            new RingHash(DEFAULT_MIN_SIZE, MAX_SIZE, RandomSource.threadLocal());

    RingHash {
        checkSizes(minSize, maxSize);
    }

    static void checkSizes(int minSize, int maxSize) {
        if (minSize < 1 || minSize > MAX_SIZE) {
            throw new IllegalArgumentException(
                    "minRingSize must be in 1.." + MAX_SIZE + ", was " + minSize);
        }
        if (maxSize < minSize || maxSize > MAX_SIZE) {
            throw new IllegalArgumentException("maxRingSize must be in minRingSize (" + minSize
                    + ").." + MAX_SIZE + ", was " + maxSize);
        }
    }

    @Override
    public Picker newPicker(Candidates candidates) {
        HashRing ring = HashRing.build(candidates, minSize, maxSize);
        return new HashPicker(random) {
            @Override
            public int pick(long hash) {
                return ring.owner(ring.slot(hash));
            }
        };
    }

    @Override
    public String toString() {
        return "Strategy.ringHash(" + minSize + ", " + maxSize + ")";
    }
}
