package io.lbkit.sim;

import io.lbkit.Pick;
import java.util.SplittableRandom;

/** One simulated call, from arrival to its reported outcome. Confined to the simulation thread. */
final class Call {
    final long arrival;
    /** Work in units of the server's mean service time: an Exp(1) draw fixed at arrival. */
    final double work;
    /** The lbkit handle to report on; null for the oracle. */
    Pick pick;
    Server server;
    /** The outcome has been reported; later completions and timeouts are ignored. */
    boolean done;
    /** Waiting in its server's queue. */
    boolean queued;
    boolean timeoutScheduled;
    /** Whether to count it in the results (it arrived after the warm-up). */
    boolean measured;

    Call(long arrival, double work) {
        this.arrival = arrival;
        this.work = work;
    }

    /**
     * A call of an open (Poisson) arrival stream arriving at {@code now}: its work an Exp(1) draw
     * from {@code random}, measured if it arrives at or after {@code warmupNanos}.
     */
    static Call arriving(long now, long warmupNanos, SplittableRandom random) {
        Call c = new Call(now, exp1(random));
        c.measured = now >= warmupNanos;
        return c;
    }

    /**
     * The gap to the next arrival of a Poisson stream whose mean gap is {@code meanGapNanos}: an
     * exponential draw from {@code random}, rounded, at least 1 ns.
     */
    static long gapNanos(SplittableRandom random, double meanGapNanos) {
        return Math.max(1, Math.round(exp1(random) * meanGapNanos));
    }

    /** An Exp(1) draw: {@code -ln(1 - u)} for {@code u} uniform in [0, 1). */
    private static double exp1(SplittableRandom random) {
        return -Math.log(1 - random.nextDouble());
    }
}
