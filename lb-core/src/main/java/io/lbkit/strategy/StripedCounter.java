package io.lbkit.strategy;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * A sequence counter striped by thread, for the round-robin pickers. Thread-safe.
 */
/*
 * Implementation notes.
 *
 * One shared counter makes every pick of every thread contend on one cache line (on a 2-core
 * machine a shared getAndIncrement costs about 3x an unshared one). Instead each thread
 * increments the cell chosen by its thread id; cells sit 128 bytes apart so they never share a
 * line. Threads whose ids collide share a cell: still correct (getAndIncrement), merely slower.
 * Each cell starts at a different offset, so threads do not walk the endpoints in lockstep; the
 * offsets are spread evenly over the period from a random start drawn per counter, so that the
 * pickers of many clients over the same list, or of one client before and after a rebuild, do
 * not start at the same endpoint either (they would otherwise all begin at index 0 and, sharing
 * a pace, load the same endpoints at the same time).
 *
 * Values wrap from Integer.MAX_VALUE to negative; callers mask with Integer.MAX_VALUE, so a
 * cell's sequence restarts at 0 once every 2^31 picks (one out-of-turn pick).
 */
final class StripedCounter {

    private static final int STRIPES = stripes();
    private static final int SPACING = 32; // ints: 128 bytes
    private final AtomicIntegerArray cells = new AtomicIntegerArray((STRIPES + 1) * SPACING);

    /**
     * @param period the length of the cycle the callers walk; cells start spread over it
     * @param randomBits random bits that choose where in the cycle the first cell starts
     */
    StripedCounter(int period, long randomBits) {
        int start = RandomSource.index((int) (randomBits >>> 32), period);
        for (int s = 0; s < STRIPES; s++) {
            cells.set((s + 1) * SPACING, (int) ((start + (long) s * period / STRIPES) % period));
        }
    }

    /** The next value of the calling thread's cell, in {@code [0, Integer.MAX_VALUE]}. */
    int next() {
        @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; getId() is the same field
        int stripe = (int) Thread.currentThread().getId() & (STRIPES - 1);
        return cells.getAndIncrement((stripe + 1) * SPACING) & Integer.MAX_VALUE;
    }

    /** A power of two at least twice the processor count, from 4 to 64. */
    private static int stripes() {
        int wanted = Math.max(4, Math.min(64, 2 * Runtime.getRuntime().availableProcessors()));
        return Integer.highestOneBit(wanted - 1) << 1;
    }
}
