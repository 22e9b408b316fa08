package io.lbkit.strategy;

import io.lbkit.Endpoint;
import io.lbkit.Ticker;

/**
 * The endpoints a strategy chooses among: the eligible endpoints of one routing table, with
 * their live load. The set, its order and the weights are fixed for the table's lifetime; the
 * load figures change with every call. Thread-safe.
 */
public interface Candidates {

    /** The number of candidates; at least 1 when given to {@link Strategy#newPicker}. */
    int size();

    /** The candidate at {@code index}, {@code 0 <= index < size()}. */
    Endpoint endpoint(int index);

    /** The candidate's effective weight (the endpoint's weight, or less during slow start). */
    int weight(int index);

    /** Calls picked on the candidate and not yet reported; a live, approximate figure. */
    int inFlight(int index);

    /**
     * The candidate's peak-EWMA latency in nanoseconds, decayed to {@code now}; 0 until a call
     * completes, and 0 again when no call has completed for 5 s (the estimate expired, so the
     * candidate is tried again as if new). Tracked only for strategies whose {@link Strategy#latencyDecay()} is positive;
     * 0 otherwise. Reading it is what lets the candidate's next faster sample in (a report reads
     * no clock and skips a faster sample until a read has found the estimate due for one, see
     * {@link Strategy#peakEwma()}), so a latency-tracking strategy should read the estimate of
     * every candidate it considers, even of a single one.
     *
     * @param now a reading of {@link #ticker()}
     */
    double latencyNanos(int index, long now);

    /**
     * The factor by which the candidate's recent failures should raise its cost: 1 when its
     * recent calls succeeded, 4 when about half failed, up to 2^20 while all fail; it falls back
     * towards 1 within seconds once failures stop, whether or not the candidate is picked (see
     * docs/failure-model.md). The built-in load-aware strategies multiply their cost by it, so an
     * endpoint that fails fast (and so looks idle and quick) gets less traffic than a working
     * one. Lock-free and allocation-free; reads the clock only while the factor is above 1.
     * The default, for candidates without failure tracking, is 1.
     */
    default double failurePenalty(int index) {
        return 1;
    }

    /**
     * Whether the candidate is known to be failing now, as {@link io.lbkit.Pick#recentlyFailing}
     * says of a pick: its penalty is at least about 2.8 (failure score 0.4). Lock-free and
     * allocation-free. The default, for candidates without failure tracking, is false.
     */
    default boolean recentlyFailing(int index) {
        return false;
    }

    /** The balancer's time source. */
    Ticker ticker();
}
