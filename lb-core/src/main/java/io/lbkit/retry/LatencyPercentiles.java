package io.lbkit.retry;

import io.lbkit.Ticker;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The recent latency distribution of one service, for percentile hedge delays: a log-bucketed
 * histogram over the last one to two windows. Thread-safe and lock-free; {@link #record} allocates
 * nothing.
 */
/*
 * Implementation notes.
 *
 * Buckets. A value v (nanoseconds, clamped to 1..MAX_VALUE) below 16 has its own bucket; above,
 * the bucket is its binary exponent and its next four significant bits, so a bucket spans at most
 * 1/16 of its lower edge (6.25 % relative width), as in HdrHistogram with one significant digit.
 * percentile() answers a bucket's upper edge: never below the true sample quantile, at most 6.25 %
 * above it (plus 1 ns).
 *
 * Time decay. Two slots, each an AtomicLongArray of counts and the window epoch it holds in
 * epochs[slot]: windows elapsed since construction, from a difference of ticker readings (all the
 * Ticker contract promises), so a ticker that passes Long.MAX_VALUE and wraps keeps epochs in
 * order. record() finds the slot of the current epoch; when it holds an older
 * epoch, the thread that wins the CAS on epochs[slot] zeroes the counts (the losers go on and
 * count into it). The percentile is read over the slots of the current and the previous epoch,
 * so it always covers between one and two windows of samples and forgets older ones.
 *
 * Races, all benign for a hedge delay: an increment that lands while its slot is being zeroed
 * may be lost; a reader summing while writers count sees a mix of before and after. Both only
 * move the estimate by a few samples. Nothing is allocated after construction.
 */
final class LatencyPercentiles {

    /** Values above this (about 1,100 s) count in the last bucket. */
    static final long MAX_VALUE = (1L << 40) - 1;

    private static final int SUB_BITS = 4;
    private static final int SUB = 1 << SUB_BITS;
    static final int BUCKETS = index(MAX_VALUE) + 1;

    private final Ticker ticker;
    private final long windowNanos;
    /** The ticker's reading at construction: epochs are windows elapsed since. */
    private final long origin;
    private final AtomicLongArray[] counts = {new AtomicLongArray(BUCKETS),
        new AtomicLongArray(BUCKETS)};
    private final AtomicLongArray epochs = new AtomicLongArray(2);
    private final AtomicLong[] totals = {new AtomicLong(), new AtomicLong()};

    LatencyPercentiles(Ticker ticker, long windowNanos) {
        this.ticker = ticker;
        this.windowNanos = windowNanos;
        this.origin = ticker.read();
        epochs.set(0, Long.MIN_VALUE);
        epochs.set(1, Long.MIN_VALUE);
        epochs.set(slot(0), 0);
    }

    /** The current window's number, counted from construction. */
    private long epoch() {
        return Math.floorDiv(ticker.read() - origin, windowNanos);
    }

    /** The bucket of a value, 0..BUCKETS-1. */
    static int index(long value) {
        long v = Math.max(0, Math.min(value, MAX_VALUE));
        if (v < SUB) {
            return (int) v;
        }
        int exp = 63 - Long.numberOfLeadingZeros(v);
        int mantissa = (int) (v >>> (exp - SUB_BITS)) & (SUB - 1);
        return (exp - SUB_BITS + 1) * SUB + mantissa;
    }

    /** The largest value in a bucket. */
    static long upperEdge(int index) {
        if (index < SUB) {
            return index;
        }
        int shift = index / SUB - 1;
        long lower = (long) (SUB + index % SUB) << shift;
        return lower + (1L << shift) - 1;
    }

    /** Counts one latency, in nanoseconds (negative counts as 0). */
    void record(long nanos) {
        long epoch = epoch();
        int slot = slot(epoch);
        long held = epochs.get(slot);
        if (held < epoch && epochs.compareAndSet(slot, held, epoch)) {
            AtomicLongArray c = counts[slot];
            for (int i = 0; i < BUCKETS; i++) {
                c.set(i, 0);
            }
            totals[slot].set(0);
        } else if (held > epoch) {
            return; // a reader with an older clock reading than the rotation: drop the sample
        }
        counts[slot].incrementAndGet(index(nanos));
        totals[slot].incrementAndGet();
    }

    /** Samples in the current and the previous window. */
    long count() {
        long epoch = epoch();
        long n = 0;
        for (int s = 0; s < 2; s++) {
            if (live(s, epoch)) {
                n += totals[s].get();
            }
        }
        return n;
    }

    /**
     * The smallest bucket edge at or below which at least {@code q} of the recent samples lie,
     * or -1 when fewer than {@code minSamples} were recorded.
     *
     * @param q in (0, 1]
     */
    long percentile(double q, long minSamples) {
        long epoch = epoch();
        boolean live0 = live(0, epoch);
        boolean live1 = live(1, epoch);
        long n = (live0 ? totals[0].get() : 0) + (live1 ? totals[1].get() : 0);
        if (n < Math.max(1, minSamples)) {
            return -1;
        }
        long rank = (long) Math.ceil(q * n);
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (live0) {
                seen += counts[0].get(i);
            }
            if (live1) {
                seen += counts[1].get(i);
            }
            if (seen >= rank) {
                return upperEdge(i);
            }
        }
        return upperEdge(BUCKETS - 1); // totals ran ahead of the counts we read
    }

    private boolean live(int slot, long epoch) {
        long e = epochs.get(slot);
        return e == epoch || e == epoch - 1;
    }

    private static int slot(long epoch) {
        return (int) (epoch & 1);
    }
}
