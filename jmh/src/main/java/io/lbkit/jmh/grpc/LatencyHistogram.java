package io.lbkit.jmh.grpc;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Call latencies in whole microseconds, 0 to 1 s exactly, slower calls in one overflow bucket.
 * Thread-safe: {@link #record} is one atomic increment, from any thread; read the percentiles
 * once the recording threads are done.
 */
final class LatencyHistogram {

    /** 1 s: the longest latency told apart; calls on loopback take well under a millisecond. */
    static final int MAX_MICROS = 1_000_000;

    private final AtomicLongArray counts = new AtomicLongArray(MAX_MICROS + 2);

    /** Records one call of {@code nanos} (negative counts as 0). */
    void record(long nanos) {
        long micros = Math.max(0, nanos / 1_000);
        counts.incrementAndGet((int) Math.min(micros, MAX_MICROS + 1));
    }

    long count() {
        long n = 0;
        for (int i = 0; i < counts.length(); i++) {
            n += counts.get(i);
        }
        return n;
    }

    /**
     * The nearest-rank {@code q}-quantile in microseconds: the smallest latency such that at least
     * {@code q} of all samples are at or below it; {@code MAX_MICROS + 1} when it lies in the
     * overflow bucket, 0 for no samples.
     *
     * @param q the quantile, in (0, 1]
     */
    long percentileMicros(double q) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("q must be in (0, 1], was " + q);
        }
        long total = count();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total); // 1-based, >= 1 because q > 0
        long seen = 0;
        for (int i = 0; i < counts.length(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return i;
            }
        }
        throw new AssertionError("rank " + rank + " beyond " + total + " samples");
    }
}
