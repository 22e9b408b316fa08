package io.lbkit.sim;

import java.util.Arrays;

/**
 * Per-second figures of one run for the servers with the lowest ids: calls sent to each, and
 * whether the balancer had it ejected (sampled by the scenarios that need it). What the
 * multi-fault scenarios read "time back to fair share" from. Confined to the simulation thread
 * while the run lasts, read-only after.
 */
final class Timeline {

    /** Servers tracked: ids 0..15. */
    static final int SERVERS = 16;

    private long[] picks = new long[SERVERS * 128];
    private boolean[] ejected = new boolean[SERVERS * 128];

    /** A call arriving at {@code nanos} (since the run's start) was sent to server {@code id}. */
    void picked(int id, long nanos) {
        if (id < SERVERS) {
            picks = grow(picks, nanos);
            picks[index(id, nanos)]++;
        }
    }

    /** Server {@code id} was seen ejected at {@code nanos}. */
    void ejected(int id, long nanos) {
        if (id < SERVERS) {
            int i = index(id, nanos);
            if (i >= ejected.length) {
                ejected = Arrays.copyOf(ejected, Math.max(2 * ejected.length, i + SERVERS));
            }
            ejected[i] = true;
        }
    }

    /** Calls sent to server {@code id} during second {@code second}. */
    long picks(int id, int second) {
        int i = second * SERVERS + id;
        return i < picks.length ? picks[i] : 0;
    }

    boolean ejected(int id, int second) {
        int i = second * SERVERS + id;
        return i < ejected.length && ejected[i];
    }

    private static int index(int id, long nanos) {
        return (int) (nanos / 1_000_000_000L) * SERVERS + id;
    }

    private static long[] grow(long[] a, long nanos) {
        int need = index(SERVERS - 1, nanos) + 1;
        return need <= a.length ? a : Arrays.copyOf(a, Math.max(2 * a.length, need));
    }
}
