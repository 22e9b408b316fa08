package io.lbkit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Whether any endpoint of one balancer reported a failure lately. While one did, successes note
 * their time (for retries: {@link Pick#succeededWithin}); otherwise a success reads no clock at
 * all, so a balancer whose calls all succeed pays one read of this field per report.
 *
 * <p>Thread-safe and lock-free. A failure writes the field at most once a millisecond; the first
 * timed success more than {@link #WINDOW_NANOS} after the latest failure ends the watch.
 */
final class FailureWatch {

    /*
     * Implementation notes: one volatile long shared by the balancer's endpoints, read by every
     * success and written by failures (at most once per millisecond of failures, so a burst of
     * failures from several threads does not keep the line moving between cores) and once more
     * when the watch ends. Ending uses a compare-and-set, so a failure racing with it is never
     * lost: either the failure's write comes after and the watch stays on, or the CAS fails.
     */

    /**
     * How long after the latest failure successes keep noting their time: 10 s, 5 x the failure
     * score's 2 s decay, long after it has forgotten the failure.
     */
    static final long WINDOW_NANOS = 10_000_000_000L;

    private static final long NONE = Long.MIN_VALUE;
    private static final long GRAIN_NANOS = 1_000_000;
    private static final VarHandle LAST_FAILURE = VarHandles.field(MethodHandles.lookup(),
            FailureWatch.class, "lastFailureNanos", long.class);

    @SuppressWarnings("unused") // through LAST_FAILURE
    private volatile long lastFailureNanos = NONE;

    /** A failure was reported at {@code now}. */
    void onFailure(long now) {
        long last = lastFailureNanos;
        if (last == NONE || now - last >= GRAIN_NANOS) {
            lastFailureNanos = now;
        }
    }

    /** Whether successes should note their time now. */
    boolean watching() {
        return lastFailureNanos != NONE;
    }

    /** Called by a success that read the clock while watching: ends the watch when it is over. */
    void expire(long now) {
        long last = lastFailureNanos;
        if (last != NONE && now - last > WINDOW_NANOS) {
            LAST_FAILURE.compareAndSet(this, last, NONE);
        }
    }
}
