package io.lbkit.sim;

/**
 * The shape of one simulated server. Immutable.
 *
 * @param concurrency calls served at once; more wait in a FIFO queue
 * @param meanServiceNanos the mean of its exponential service time
 * @param weight the weight its endpoint announces when weights are known
 */
record ServerSpec(int concurrency, long meanServiceNanos, int weight) {

    ServerSpec {
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, was " + concurrency);
        }
        if (meanServiceNanos < 1) {
            throw new IllegalArgumentException(
                    "meanServiceNanos must be at least 1, was " + meanServiceNanos);
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be at least 1, was " + weight);
        }
    }

    /** Calls per second it completes when always busy. */
    double capacityPerSecond() {
        return concurrency * 1e9 / meanServiceNanos;
    }
}
