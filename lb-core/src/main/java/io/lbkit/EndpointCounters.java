package io.lbkit;

import java.util.concurrent.atomic.LongAdder;

/**
 * One endpoint's {@link CallCounters}: its {@link EndpointState}'s outcome counts, widened to 64
 * bits, and the latency totals. Thread-safe.
 */
/*
 * Implementation notes.
 *
 * The counts are the endpoint state's own: failures and releases are adders of their own, and
 * successes are the high 32 bits of its `calls` word (see EndpointState), so a successful report
 * adds nothing for them. Those 32 bits wrap; successes() widens them by remembering the last
 * value read (`successes`, under this object's lock) and adding the distance to the new one
 * modulo 2^32, which is exact while at most 2^32 - 1 successes happen between two reads. Each
 * count is an atomic word or a monotonic adder sum (a sum read later includes every add an
 * earlier one included), so every value read here only grows.
 *
 * The successes' latency total is the endpoint state's `successNanos` word, beside `calls` in
 * its padded hot fields (one line written per success). The failures' total is a LongAdder here:
 * failures are rare, and a failure's report writes more than this anyway.
 */
final class EndpointCounters implements CallCounters {

    private final EndpointState state;
    private final LongAdder failureNanos = new LongAdder();
    /** The widened success count as of the last read. Guarded by this. */
    private long successes;

    EndpointCounters(EndpointState state) {
        this.state = state;
    }

    void onFailure(long latencyNanos) {
        failureNanos.add(Math.max(0, latencyNanos));
    }

    /** Whether no call is in flight on the endpoint: its counts change no more once it left. */
    boolean idle() {
        return state.inFlightSum() <= 0;
    }

    @Override
    public synchronized long successes() {
        successes = widen(successes, state.successes());
        return successes;
    }

    /** The 64-bit count after {@code last} whose low 32 bits are {@code low}. */
    static long widen(long last, long low) {
        return last + ((low - last) & 0xFFFF_FFFFL);
    }

    @Override
    public long failures() {
        return state.failures();
    }

    @Override
    public long releases() {
        return state.releases();
    }

    @Override
    public long successNanos() {
        return state.successNanos();
    }

    @Override
    public long failureNanos() {
        return failureNanos.sum();
    }

    @Override
    public String toString() {
        return "CallCounters[" + state.endpoint().address() + "]";
    }
}
