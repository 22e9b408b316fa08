package io.lbkit.health;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.testing.FakeScheduler;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * A closed-loop load for the failure-model tests, on a {@link FakeScheduler}'s time: a fixed
 * number of callers, each picking, waiting for its answer and reporting it, then calling again
 * at once. Counts the picks per endpoint in 1-second buckets. Not thread-safe; confined to the
 * test thread.
 */
final class ClosedLoop {

    /** How an endpoint answers a call made at {@code now}. */
    interface Behaviour {
        /** The answer's delay in nanoseconds: positive for a success, negative for a failure. */
        long answer(Endpoint endpoint, long now);
    }

    private record Pending(long due, long seq, Pick pick, long latency, boolean failed)
            implements Comparable<Pending> {
        @Override
        public int compareTo(Pending o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(seq, o.seq);
        }
    }

    private final LoadBalancer lb;
    private final FakeScheduler clock;
    private final Behaviour behaviour;
    private final long origin;
    private final PriorityQueue<Pending> queue = new PriorityQueue<>();
    private final Map<Endpoint, long[]> buckets = new HashMap<>();
    private long seq;
    private long failures;

    ClosedLoop(LoadBalancer lb, FakeScheduler clock, int callers, Behaviour behaviour) {
        this.lb = lb;
        this.clock = clock;
        this.behaviour = behaviour;
        this.origin = clock.read();
        for (int i = 0; i < callers; i++) {
            call();
        }
    }

    /** Seconds since the loop started. */
    double elapsedSeconds() {
        return (clock.read() - origin) / 1e9;
    }

    /** Runs until {@code seconds} since the start. */
    void runUntil(double seconds) {
        long end = origin + (long) (seconds * 1e9);
        while (!queue.isEmpty() && queue.peek().due <= end) {
            Pending p = queue.poll();
            clock.advance(Duration.ofNanos(p.due - clock.read()));
            if (p.pick != null) {
                if (p.failed) {
                    p.pick.onFailure(p.latency);
                } else {
                    p.pick.onSuccess(p.latency);
                }
            }
            call();
        }
        clock.advance(Duration.ofNanos(Math.max(0, end - clock.read())));
    }

    private void call() {
        long now = clock.read();
        Pick pick;
        try {
            pick = lb.pick();
        } catch (NoEndpointAvailableException e) {
            failures++;
            queue.add(new Pending(now + 1_000_000, seq++, null, 0, true));
            return;
        }
        int second = (int) ((now - origin) / 1_000_000_000L);
        long[] b = buckets.computeIfAbsent(pick.endpoint(), k -> new long[600]);
        b[Math.min(second, b.length - 1)]++;
        long answer = behaviour.answer(pick.endpoint(), now);
        boolean failed = answer < 0;
        if (failed) {
            failures++;
        }
        long latency = Math.max(1, Math.abs(answer));
        queue.add(new Pending(now + latency, seq++, pick, latency, failed));
    }

    /** Picks of {@code e} in the seconds [from, to). */
    long picks(Endpoint e, int from, int to) {
        long[] b = buckets.get(e);
        long sum = 0;
        for (int s = from; b != null && s < to; s++) {
            sum += b[s];
        }
        return sum;
    }

    /** Calls that failed (an endpoint's failure, or no endpoint available). */
    long failures() {
        return failures;
    }
}
