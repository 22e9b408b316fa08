package io.lbkit;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Iterator;

/**
 * The {@link CallCounters} of one balancer: the sum over the endpoints of its current snapshot,
 * the endpoints that left with calls still in flight, and the final counts of those that left
 * before. Thread-safe; reads and membership changes take this object's lock, reports never do.
 */
/*
 * Implementation notes.
 *
 * A total must not fall when an endpoint leaves, and a call picked before its endpoint left is
 * still reported afterwards. So an endpoint that leaves moves to `departed`, where it still counts
 * live; once a read finds it idle (nothing in flight; a report counts before it leaves flight)
 * and at least GRACE_NANOS after it left, its counts are final and are folded into `retired`.
 * The grace covers a pick that read the routing table just before the endpoint's removal
 * published a new one and takes the endpoint a moment later; a picker stalled longer than that
 * between those two steps would see its call go uncounted. An endpoint whose picks leaked (never
 * reported) never becomes idle, so `departed` is capped at MAX_DEPARTED and the oldest is folded
 * when it overflows.
 *
 * Lock order: the balancer's lock, then this (membership is called under the balancer's lock),
 * then an EndpointCounters' own lock (its widening of the success count). Nothing here calls out.
 */
final class BalancerCounters extends SummingCounters {

    /** Departed endpoints still counted live, at most; beyond it the oldest is folded. */
    static final int MAX_DEPARTED = 1_024;

    /** 5 s: how long a departed endpoint is counted live at least (see the notes). */
    static final long GRACE_NANOS = 5_000_000_000L;

    private final Ticker ticker;

    private static final EndpointCounters[] NONE = new EndpointCounters[0];

    /** Guarded by this. */
    private EndpointCounters[] current = NONE;
    /** Guarded by this. */
    private final ArrayDeque<EndpointCounters> departed = new ArrayDeque<>();
    /** When each departed endpoint left, in the same order. Guarded by this. */
    private final ArrayDeque<Long> departedAt = new ArrayDeque<>();
    /** Final counts of folded endpoints, indexed by Field ordinal. Guarded by this. */
    private final long[] retired = new long[Field.values().length];

    BalancerCounters(Ticker ticker) {
        this.ticker = ticker;
    }

    /** The balancer took a new snapshot; call under its lock. */
    synchronized void membership(Collection<EndpointState> present,
            Collection<EndpointState> left) {
        EndpointCounters[] next = new EndpointCounters[present.size()];
        int i = 0;
        for (EndpointState s : present) {
            next[i++] = s.counters;
        }
        current = next;
        long now = ticker.read();
        for (EndpointState s : left) {
            departed.addLast(s.counters);
            departedAt.addLast(now);
            if (departed.size() > MAX_DEPARTED) {
                departedAt.removeFirst();
                fold(departed.removeFirst());
            }
        }
    }

    private void fold(EndpointCounters c) {
        for (Field f : Field.values()) {
            retired[f.ordinal()] += f.of(c);
        }
    }

    @Override
    synchronized long sum(Field field) {
        if (!departed.isEmpty()) {
            long now = ticker.read();
            Iterator<Long> at = departedAt.iterator();
            for (Iterator<EndpointCounters> it = departed.iterator(); it.hasNext(); ) {
                EndpointCounters c = it.next();
                long leftAt = at.next();
                if (now - leftAt >= GRACE_NANOS && c.idle()) {
                    it.remove();
                    at.remove();
                    fold(c);
                }
            }
        }
        long n = retired[field.ordinal()];
        for (EndpointCounters c : current) {
            n += field.of(c);
        }
        for (EndpointCounters c : departed) {
            n += field.of(c);
        }
        return n;
    }

    /** Departed endpoints still counted live; for tests. */
    synchronized int departedCount() {
        return departed.size();
    }

    @Override
    public String toString() {
        return "CallCounters[" + successes() + " succeeded, " + failures() + " failed, "
                + releases() + " released]";
    }
}
