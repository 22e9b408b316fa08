package io.lbkit.sim;

import io.lbkit.Endpoint;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulated server: {@code concurrency} workers, a FIFO queue beyond them, exponential service
 * times, and a mode that can make it fail. Confined to the simulation thread.
 */
final class Server {

    /** How the server answers calls. */
    enum Mode {
        /** Serves calls. */
        UP,
        /** Answers every call with an error after 1 ms, without queueing (a broken dependency). */
        FAIL_FAST,
        /** Answers nothing: calls hang until the client's timeout (a crashed host). */
        DEAD
    }

    final int id;
    final Endpoint endpoint;
    final ServerSpec spec;
    Mode mode = Mode.UP;
    int busy;
    final ArrayDeque<Call> queue = new ArrayDeque<>();
    /** Queued calls whose caller still waits (timed-out ones are skipped when dequeued). */
    int queuedLive;
    final List<Call> inService = new ArrayList<>();
    /** Bumped when the server dies, so completions scheduled before are ignored. */
    int epoch;
    /** Cold start: the service time is multiplied by up to {@link #coldFactor}, fading linearly. */
    private long warmStart = Long.MIN_VALUE;
    private long warmNanos;
    private double coldFactor = 1;
    /** A lasting slow-down: the service time is multiplied by this. */
    double slowdown = 1;

    Server(int id, Endpoint endpoint, ServerSpec spec) {
        this.id = id;
        this.endpoint = endpoint;
        this.spec = spec;
    }

    /** Starts a cold period: service times {@code factor}× longer at first, normal after {@code nanos}. */
    void cold(long now, double factor, long nanos) {
        warmStart = now;
        warmNanos = nanos;
        coldFactor = factor;
    }

    /** The mean service time now, warm-up included. */
    double meanNanos(long now) {
        double mean = spec.meanServiceNanos() * slowdown;
        if (warmStart == Long.MIN_VALUE) {
            return mean;
        }
        long t = now - warmStart;
        if (t >= warmNanos) {
            warmStart = Long.MIN_VALUE;
            return mean;
        }
        return mean * (coldFactor - (coldFactor - 1) * t / (double) warmNanos);
    }

    /** Calls at the server whose caller still waits: in service or queued. */
    int load() {
        return busy + queuedLive;
    }
}
