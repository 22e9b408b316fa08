package io.lbkit.sim;

import io.lbkit.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Arrays;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Simulated time and the one event queue of a simulation run: the simulator's own events
 * (arrivals, completions, timeouts, scenario actions) and every timer lbkit schedules run from
 * it, in due-time order, first scheduled first among equal times. Not thread-safe; confined to
 * the thread that calls {@link #runUntil}.
 *
 * <p>As the balancer's {@link Ticker} it reads the simulated time; as its
 * {@link ScheduledExecutorService} it supports what lbkit calls,
 * {@code schedule(Runnable, long, TimeUnit)}, plus {@code execute} (run now, after the events
 * already due now). Periodic scheduling and {@code Callable}s are not supported.
 */
final class SimClock extends AbstractExecutorService implements ScheduledExecutorService, Ticker {

    /*
     * The queue: a binary min-heap on (due, seq) over an array, compared on the two longs
     * directly. It orders events exactly as a PriorityQueue of Event did (seq makes the order
     * total, so ties cannot come out differently) and runs the 1,000-client subsetting runs about
     * twice as fast, without the Comparable dispatch of PriorityQueue.
     */
    private Event[] heap = new Event[64];
    private int size;
    private long now;
    private long sequence;
    private long executed;

    /** A clock at time 0. */
    SimClock() {}

    @Override
    public long read() {
        return now;
    }

    /** Events run so far. */
    long executed() {
        return executed;
    }

    /** Events scheduled and neither run nor cancelled. */
    int pending() {
        int n = 0;
        for (int i = 0; i < size; i++) {
            if (!heap[i].cancelled) {
                n++;
            }
        }
        return n;
    }

    /**
     * Schedules {@code action} at absolute time {@code at} (never before now).
     *
     * @return a handle that can cancel the event
     */
    Event at(long at, Runnable action) {
        Event e = new Event(action, Math.max(at, now), sequence++);
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, 2 * size);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Event p = heap[parent];
            if (!before(e, p)) {
                break;
            }
            heap[i] = p;
            i = parent;
        }
        heap[i] = e;
        return e;
    }

    /** Schedules {@code action} {@code delayNanos} from now. */
    Event after(long delayNanos, Runnable action) {
        return at(now + Math.max(0, delayNanos), action);
    }

    /**
     * Runs events in order until the next one is due after {@code end}, then sets the time to
     * {@code end}.
     */
    void runUntil(long end) {
        Event e;
        while (size > 0 && (e = heap[0]).due <= end) {
            removeFirst();
            if (e.cancelled) {
                continue;
            }
            now = e.due;
            e.done = true;
            executed++;
            e.action.run();
        }
        now = Math.max(now, end);
    }

    private static boolean before(Event a, Event b) {
        return a.due < b.due || (a.due == b.due && a.seq < b.seq);
    }

    private void removeFirst() {
        Event last = heap[--size];
        heap[size] = null;
        if (size == 0) {
            return;
        }
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            Event c = heap[child];
            int right = child + 1;
            if (right < size && before(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!before(c, last)) {
                break;
            }
            heap[i] = c;
            i = child;
        }
        heap[i] = last;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return after(unit.toNanos(delay), command);
    }

    @Override
    public void execute(Runnable command) {
        after(0, command);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("the simulator runs Runnables only");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay,
            long period, TimeUnit unit) {
        throw new UnsupportedOperationException("lbkit reschedules its timers itself");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
            long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("lbkit reschedules its timers itself");
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
        return new ArrayList<>();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }

    /** One scheduled action. Its result is always {@code null}. */
    final class Event implements ScheduledFuture<Object> {
        final Runnable action;
        final long due;
        private final long seq;
        private boolean cancelled;
        private boolean done;

        Event(Runnable action, long due, long seq) {
            this.action = action;
            this.due = due;
            this.seq = seq;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            if (other instanceof Event) {
                Event o = (Event) other;
                int c = Long.compare(due, o.due);
                return c != 0 ? c : Long.compare(seq, o.seq);
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS),
                    other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done || cancelled) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            return done || cancelled;
        }

        /** The result once run; simulated time cannot be waited for, so it never blocks. */
        @Override
        public Object get() {
            if (!isDone()) {
                throw new IllegalStateException("simulated events cannot be waited for");
            }
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return get();
        }
    }
}
