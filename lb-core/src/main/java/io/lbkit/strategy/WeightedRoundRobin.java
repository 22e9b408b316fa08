package io.lbkit.strategy;

import java.util.Arrays;

/**
 * {@link Strategy#weightedRoundRobin()}: a precomputed smooth schedule walked by a striped
 * counter.
 *
 * @param random draws each picker's starting point in the schedule; seeded in tests
 */
/*
 * Implementation notes.
 *
 * One cycle of length T (the weights' sum after dividing by their gcd) is built off the hot path;
 * a pick is one striped counter increment and two array reads (schedule[counter.next() % len]).
 * Endpoint i has w_i turns per cycle. It must run ceil(w_i / (T - w_i)) times in a row somewhere
 * when w_i > T/2 (pigeonhole: w_i turns in the T - w_i gaps between the others'); the schedule
 * keeps every run of i within max(2, that minimum), so an endpoint with at most half the weight
 * never runs more than twice. It is built in two stages over the cyclic list of free slots.
 *
 * 1. Spreading. While the heaviest endpoint left (ties: lowest index) has at least twice the
 *    weight of the next, it takes the free slots floor((2j + 1) F / (2 w)), j = 0 .. w - 1, of the
 *    F slots still free, and leaves. That is a mechanical (Sturmian) word: its gaps in the free
 *    list, and its runs there, differ by at most one, the even spread. Two free slots adjacent in
 *    the cycle are adjacent in the free list too, so a run in the cycle is never longer than the
 *    run in the free list.
 *    - If w >= F/2, the slots left free are pairwise apart (one of this endpoint's turns lies
 *      between any two), so every endpoint placed afterwards runs once; this one runs at most
 *      ceil(w / (F - w)). At the first stage F = T. At a later stage, w >= F/2 means the stage
 *      before had w' >= 2w >= F = F' - w', which already left the slots apart: it runs once.
 *      (So does the last endpoint left, which simply takes every free slot.)
 *    - If w < F/2, this endpoint's turns are never adjacent in the free list: it runs once.
 * 2. Earliest-deadline-first fills the remaining free slots, in free-list order, with the
 *    endpoints left: endpoint i's k-th turn is due at (k + phase_i) / w_i in [0, 1), and the
 *    turns are taken in due order (due time and index packed into one long and sorted,
 *    O(F log F)). A run of r turns of i spans (r - 1) / w_i with no turn of another endpoint j
 *    strictly inside, and j has a turn in every window of 1/w_j, so r <= 1 + floor(w_i / w_j)
 *    for the heaviest other j; stage 1 stopped because the heaviest left has less than twice the
 *    next, so r <= 2 for everyone in the free list, hence in the cycle. (w_i < 2 w_j leaves a
 *    margin of at least 1/T^2 >= 2^-36 in that inequality, above the 2^-38 quantum of the due
 *    times.) The phases are spread by the golden ratio so that endpoints of equal weight do not
 *    all fall due at the same instant.
 *
 * Weights 5, 1, 1 (T = 7): a spreads over slots 0, 2, 3, 4, 6; b and c, due at 0.118 and 0.736,
 * fill slots 1 and 5: a b a a a c a. Weights 100, 1, 1, 1: runs of 33 or 34 a, the minimum.
 *
 * Stage 1 runs at most log2(T) + 1 times (each spread endpoint has at least twice the weight of
 * the next), each O(n + F). The schedule is a function of the weights alone: deterministic.
 * Totals above MAX_SCHEDULE are first scaled to floor(w_i * MAX_SCHEDULE / total), at least 1
 * each; the construction then runs on the scaled weights, and the run bound holds for them.
 */
record WeightedRoundRobin(RandomSource random) implements Strategy {

    static final WeightedRoundRobin DEFAULT = new WeightedRoundRobin(RandomSource.threadLocal());

    /** The largest schedule built: 262,144 entries (1 MiB); larger total weights are scaled. */
    static final int MAX_SCHEDULE = 1 << 18;

    private static final double GOLDEN = 0.6180339887498949;
    private static final int INDEX_BITS = 24;

    @Override
    public Picker newPicker(Candidates candidates) {
        int[] schedule = schedule(Weights.of(candidates));
        int len = schedule.length;
        if (len == 1) {
            return () -> schedule[0];
        }
        StripedCounter counter = new StripedCounter(len, random.nextLong());
        return () -> schedule[counter.next() % len];
    }

    /**
     * One cycle of the smooth schedule for these weights (each at least 1): every index i appears
     * {@code w_i / gcd} times when the reduced total is at most {@link #MAX_SCHEDULE}.
     */
    static int[] schedule(int[] weights) {
        int n = weights.length;
        if (n >= 1 << INDEX_BITS) {
            throw new IllegalArgumentException("at most " + ((1 << INDEX_BITS) - 1)
                    + " endpoints are supported, got " + n);
        }
        int g = 0;
        long total = 0;
        for (int w : weights) {
            g = gcd(g, w);
            total += w;
        }
        int[] w = new int[n];
        long reduced = 0;
        for (int i = 0; i < n; i++) {
            w[i] = weights[i] / g;
            reduced += w[i];
        }
        if (reduced == n) { // all weights equal: plain round robin
            int[] identity = new int[n];
            Arrays.setAll(identity, i -> i);
            return identity;
        }
        if (reduced > MAX_SCHEDULE) {
            reduced = 0;
            for (int i = 0; i < n; i++) {
                w[i] = (int) Math.max(1, (long) weights[i] * MAX_SCHEDULE / total);
                reduced += w[i];
            }
        }
        return build(w, (int) reduced);
    }

    /**
     * One cycle of length {@code total} (the sum of {@code w}) in which index i appears exactly
     * {@code w[i]} times: the heavy-first spreading stages, then earliest-deadline-first over the
     * rest (see the implementation notes).
     */
    private static int[] build(int[] w, int total) {
        int n = w.length;
        int[] schedule = new int[total];
        int[] free = new int[total]; // the free positions, in increasing order
        Arrays.setAll(free, f -> f);
        int freeCount = total;
        boolean[] placed = new boolean[n];
        while (true) {
            int first = -1;
            int second = -1;
            for (int i = 0; i < n; i++) { // ties go to the lower index: deterministic
                if (placed[i]) {
                    continue;
                }
                if (first < 0 || w[i] > w[first]) {
                    second = first;
                    first = i;
                } else if (second < 0 || w[i] > w[second]) {
                    second = i;
                }
            }
            if (second < 0) { // one endpoint left: it takes every free slot
                for (int f = 0; f < freeCount; f++) {
                    schedule[free[f]] = first;
                }
                return schedule;
            }
            if (w[first] < 2L * w[second]) {
                break;
            }
            freeCount = spread(schedule, free, freeCount, first, w[first]);
            placed[first] = true;
        }
        long[] due = new long[freeCount];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (placed[i]) {
                continue;
            }
            double phase = (0.5 + i * GOLDEN) % 1.0;
            for (int turn = 0; turn < w[i]; turn++) {
                double at = (turn + phase) / w[i]; // in [0, 1)
                long quantised = (long) (at * (1L << (63 - INDEX_BITS - 1)));
                due[k++] = (quantised << INDEX_BITS) | i;
            }
        }
        Arrays.sort(due);
        int mask = (1 << INDEX_BITS) - 1;
        for (int j = 0; j < freeCount; j++) {
            schedule[free[j]] = (int) (due[j] & mask);
        }
        return schedule;
    }

    /**
     * Gives {@code index} its {@code turns} turns at the free slots {@code free[floor((2j + 1) ·
     * freeCount / (2 · turns))]}, j = 0 .. turns − 1, and compacts the rest of {@code free} to its
     * front.
     *
     * @return the number of slots still free
     */
    private static int spread(int[] schedule, int[] free, int freeCount, int index, int turns) {
        int kept = 0;
        int j = 0;
        long next = (long) freeCount / (2L * turns); // the slot of turn 0
        for (int f = 0; f < freeCount; f++) {
            if (j < turns && f == next) {
                schedule[free[f]] = index;
                j++;
                next = (2L * j + 1) * freeCount / (2L * turns);
            } else {
                free[kept++] = free[f];
            }
        }
        return kept;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public String toString() {
        return "Strategy.weightedRoundRobin()";
    }
}
