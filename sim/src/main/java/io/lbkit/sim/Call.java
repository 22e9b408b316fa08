package io.lbkit.sim;

import io.lbkit.Pick;

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
}
