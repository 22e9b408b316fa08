package io.lbkit.health;

import io.lbkit.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A fake clock and the scheduler it drives, for deterministic health tests: time moves only in
 * {@link #advance}, which runs every task that falls due, in due-time order (FIFO among equal
 * times). Not thread-safe; confined to the test thread. Supports the one scheduling call lbkit
 * makes, {@code schedule(Runnable, long, TimeUnit)}.
 */
final class ManualClock extends AbstractExecutorService
        implements ScheduledExecutorService, Ticker {

    private long now = 1_000_000_000L; // an arbitrary origin, not 0, to catch "0 means unset" bugs
    private long sequence;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();

    @Override
    public long read() {
        return now;
    }

    /** Moves time forward by {@code d}, running each task when its due time is reached. */
    void advance(Duration d) {
        long target = now + d.toNanos();
        while (!queue.isEmpty() && queue.peek().due <= target) {
            Task t = queue.poll();
            if (t.cancelled) {
                continue;
            }
            now = Math.max(now, t.due);
            t.done = true;
            t.task.run();
        }
        now = target;
    }

    /** Runs the tasks due now (delay 0), without moving time. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** Tasks scheduled and neither run nor cancelled. */
    int pending() {
        int n = 0;
        for (Task t : queue) {
            if (!t.cancelled) {
                n++;
            }
        }
        return n;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Task t = new Task(command, now + unit.toNanos(Math.max(0, delay)), sequence++);
        queue.add(t);
        return t;
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable task;
        final long due;
        final long seq;
        boolean cancelled;
        boolean done;

        Task(Runnable task, long due, long seq) {
            this.task = task;
            this.due = due;
            this.seq = seq;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task other = (Task) o;
            int c = Long.compare(due, other.due);
            return c != 0 ? c : Long.compare(seq, other.seq);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            if (done) {
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

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("lbkit schedules Runnables only");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay,
            long period, TimeUnit unit) {
        throw new UnsupportedOperationException("lbkit reschedules itself");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
            long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("lbkit reschedules itself");
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
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
}
