package io.lbkit.sim;

/**
 * What one run measured, over the calls that arrived after the warm-up. Immutable by convention
 * (the arrays are not copied).
 *
 * @param latencies the latency of every measured call in nanoseconds, sorted; failed calls count
 *     with the time it took the caller to learn of the failure
 * @param errors measured calls that failed (error, timeout, or no endpoint available)
 * @param perServer measured calls sent to each server, by server id
 * @param ejections outlier ejections during the whole run
 * @param events simulation events run
 * @param timeline per-second calls per server, for the time-resolved figures
 */
record Result(String scenario, String policy, long seed, long[] latencies, long errors,
        long[] perServer, long ejections, long events, Timeline timeline) {

    long calls() {
        return latencies.length;
    }

    /** The nearest-rank quantile {@code q} in (0, 1] of the latencies, in nanoseconds. */
    long quantile(double q) {
        return quantile(latencies, q);
    }

    static long quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    double errorRate() {
        return latencies.length == 0 ? 0 : (double) errors / latencies.length;
    }

    /** The mean latency in nanoseconds. */
    double mean() {
        double sum = 0;
        for (long l : latencies) {
            sum += l;
        }
        return latencies.length == 0 ? 0 : sum / latencies.length;
    }
}
