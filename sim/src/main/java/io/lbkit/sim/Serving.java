package io.lbkit.sim;

import java.util.Arrays;

/**
 * The life of calls on the simulated servers, shared by {@link Simulation} and {@link SubsetSim}:
 * a call that reaches an answering server starts on a free worker or waits in its queue; it
 * completes after its service time, or fails at the client's timeout; its outcome is reported once
 * and, when measured, its latency recorded. Not thread-safe; confined to the run's thread.
 */
final class Serving {

    /** Reports a call's outcome to whoever routed it (lbkit's {@code Pick}, or the oracle). */
    interface Reporter {
        void report(Call c, boolean success, long latencyNanos);
    }

    private final SimClock clock;
    private final long timeoutNanos;
    private final Reporter reporter;
    private long[] latencies = new long[1 << 16];
    private int measured;
    private long errors;

    Serving(SimClock clock, long timeoutNanos, Reporter reporter) {
        this.clock = clock;
        this.timeoutNanos = timeoutNanos;
        this.reporter = reporter;
    }

    /** A call reached an answering server: it starts on a free worker, or queues with a timeout. */
    void admit(Server s, Call c) {
        if (s.busy < s.spec.concurrency()) {
            start(s, c);
        } else {
            s.queue.add(c);
            c.queued = true;
            s.queuedLive++;
            scheduleTimeout(c);
        }
    }

    private void start(Server s, Call c) {
        long now = clock.read();
        s.busy++;
        s.inService.add(c);
        long service = Math.max(1, Math.round(c.work * s.meanNanos(now)));
        int epoch = s.epoch;
        clock.after(service, () -> complete(s, c, epoch));
        if (now + service - c.arrival > timeoutNanos) {
            scheduleTimeout(c);
        }
    }

    private void complete(Server s, Call c, int epoch) {
        if (epoch != s.epoch) {
            return; // the server died meanwhile; the call times out instead
        }
        s.busy--;
        s.inService.remove(c);
        finish(c, true);
        Call next;
        while ((next = s.queue.poll()) != null) {
            next.queued = false;
            if (next.done) {
                continue; // its caller gave up; the server skips it
            }
            s.queuedLive--;
            start(s, next);
            break;
        }
    }

    /** The call fails at the client's timeout unless it is done by then; scheduled once. */
    void scheduleTimeout(Call c) {
        if (!c.timeoutScheduled) {
            c.timeoutScheduled = true;
            clock.at(c.arrival + timeoutNanos, () -> timeout(c));
        }
    }

    private void timeout(Call c) {
        if (c.done) {
            return;
        }
        if (c.queued) {
            c.server.queuedLive--; // stays in the queue, skipped when reached
        }
        finish(c, false);
    }

    /** Reports and records the call's outcome, unless it has one already. */
    void finish(Call c, boolean success) {
        if (c.done) {
            return;
        }
        c.done = true;
        long latency = clock.read() - c.arrival;
        reporter.report(c, success, latency);
        record(c, success, latency);
    }

    /** Records an outcome that is not reported (a call no server was found for). */
    void record(Call c, boolean success, long latency) {
        if (!c.measured) {
            return;
        }
        if (measured == latencies.length) {
            latencies = Arrays.copyOf(latencies, 2 * measured);
        }
        latencies[measured++] = latency;
        if (!success) {
            errors++;
        }
    }

    /** The measured calls' latencies, sorted. */
    long[] sortedLatencies() {
        long[] sorted = Arrays.copyOf(latencies, measured);
        Arrays.sort(sorted);
        return sorted;
    }

    /** Measured calls that failed. */
    long errors() {
        return errors;
    }
}
