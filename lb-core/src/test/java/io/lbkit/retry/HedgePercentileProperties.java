package io.lbkit.retry;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Invariants of the hedge delay's latency percentile tracker. */
class HedgePercentileProperties {

    @Property(tries = 300)
    void percentile_isNeverBelowTheSampleQuantileAndAtMostOneBucketAbove(
            @ForAll @Size(min = 1, max = 500) List<@LongRange(min = 0, max = 5_000_000_000L) Long> samples,
            @ForAll @DoubleRange(min = 0.01, max = 1.0) double q) {
        AtomicLong now = new AtomicLong(123);
        LatencyPercentiles p = new LatencyPercentiles(now::get, 10_000_000_000L);
        for (long s : samples) {
            p.record(s);
        }
        long[] sorted = samples.stream().mapToLong(Long::longValue).sorted().toArray();
        long rank = (long) Math.ceil(q * sorted.length);
        long exact = sorted[(int) Math.max(0, rank - 1)];
        long estimate = p.percentile(q, 1);
        if (estimate < exact) {
            throw new AssertionError("estimate " + estimate + " below the quantile " + exact);
        }
        if (estimate > exact + exact / 16 + 1) {
            throw new AssertionError("estimate " + estimate + " more than 6.25% above " + exact);
        }
        // At least q of the samples lie at or below the estimate.
        long atOrBelow = Arrays.stream(sorted).filter(v -> v <= estimate).count();
        if (atOrBelow < rank) {
            throw new AssertionError(atOrBelow + " samples at or below, rank " + rank);
        }
    }

    @Property(tries = 300)
    void buckets_areContiguousAndOrdered(@ForAll @LongRange(min = 0, max = LatencyPercentiles.MAX_VALUE) long v) {
        int i = LatencyPercentiles.index(v);
        if (i < 0 || i >= LatencyPercentiles.BUCKETS) {
            throw new AssertionError("index " + i + " of " + v);
        }
        if (LatencyPercentiles.upperEdge(i) < v) {
            throw new AssertionError("upper edge " + LatencyPercentiles.upperEdge(i) + " < " + v);
        }
        if (i > 0 && LatencyPercentiles.upperEdge(i - 1) >= v) {
            throw new AssertionError("previous edge " + LatencyPercentiles.upperEdge(i - 1)
                    + " >= " + v);
        }
    }

    @Property(tries = 200)
    void percentile_isMonotoneInQ(
            @ForAll @Size(min = 1, max = 300) List<@LongRange(min = 0, max = 2_000_000_000L) Long> samples,
            @ForAll @DoubleRange(min = 0.01, max = 1.0) double a,
            @ForAll @DoubleRange(min = 0.01, max = 1.0) double b) {
        AtomicLong now = new AtomicLong(0);
        LatencyPercentiles p = new LatencyPercentiles(now::get, 1_000_000_000L);
        for (long s : samples) {
            p.record(s);
        }
        double lo = Math.min(a, b);
        double hi = Math.max(a, b);
        if (p.percentile(lo, 1) > p.percentile(hi, 1)) {
            throw new AssertionError("p(" + lo + ") > p(" + hi + ")");
        }
    }

    @Property(tries = 200)
    void onlyTheLastTwoWindowsCount(
            @ForAll @Size(min = 1, max = 40) List<@LongRange(min = 0, max = 30) Long> samplesPerWindow) {
        AtomicLong now = new AtomicLong(0);
        long window = 1_000_000_000L;
        LatencyPercentiles p = new LatencyPercentiles(now::get, window);
        long previous = 0;
        for (long n : samplesPerWindow) {
            for (int i = 0; i < n; i++) {
                p.record(7);
            }
            if (p.count() != previous + n) {
                throw new AssertionError("count " + p.count() + ", expected " + (previous + n));
            }
            previous = n;
            now.addAndGet(window);
        }
    }
}
