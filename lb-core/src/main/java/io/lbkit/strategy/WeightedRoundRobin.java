package io.lbkit.strategy;

import java.util.Arrays;

/**
 * {@link Strategy#weightedRoundRobin()}: a precomputed smooth schedule walked by a striped
 * counter.
 */
/*
 * Implementation notes.
 *
 * The schedule is built by earliest-deadline-first over one cycle of length T (the weights'
 * sum, after dividing by their gcd): endpoint i's k-th turn is due at (k + phase_i) / w_i. Turns
 * of one endpoint are therefore evenly spaced through the cycle, which is what makes the order
 * smooth. The phases are spread by the golden ratio so that endpoints of equal weight do not all
 * fall due at the same instant (which would bunch them and leave the heavy endpoint a long run).
 * Sorting all T due times (packed with the index into one long) gives the schedule in
 * O(T log T) off the hot path. A pick is one striped counter increment and two array reads.
 */
enum WeightedRoundRobin implements Strategy {
    INSTANCE;

    /** The largest schedule built: 262,144 entries (1 MiB); larger total weights are scaled. */
    static final int MAX_SCHEDULE = 1 << 18;

    private static final double GOLDEN = 0.6180339887498949;
    private static final int INDEX_BITS = 24;

    @Override
    public Picker newPicker(Candidates candidates) {
        int n = candidates.size();
        int[] weights = new int[n];
        for (int i = 0; i < n; i++) {
            weights[i] = candidates.weight(i);
        }
        int[] schedule = schedule(weights);
        int len = schedule.length;
        if (len == 1) {
            return () -> schedule[0];
        }
        StripedCounter counter = new StripedCounter(len);
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
        long[] due = new long[(int) reduced];
        int k = 0;
        for (int i = 0; i < n; i++) {
            double phase = (0.5 + i * GOLDEN) % 1.0;
            for (int turn = 0; turn < w[i]; turn++) {
                double at = (turn + phase) / w[i]; // in [0, 1)
                long quantised = (long) (at * (1L << (63 - INDEX_BITS - 1)));
                due[k++] = (quantised << INDEX_BITS) | i;
            }
        }
        Arrays.sort(due);
        int[] schedule = new int[due.length];
        int mask = (1 << INDEX_BITS) - 1;
        for (int j = 0; j < due.length; j++) {
            schedule[j] = (int) (due[j] & mask);
        }
        return schedule;
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
