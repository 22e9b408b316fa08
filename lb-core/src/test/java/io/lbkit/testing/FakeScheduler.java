package io.lbkit.testing;

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
 * A scheduler and ticker for tests: nothing runs until the test calls {@link #advance}, which
 * moves the clock and runs due tasks on the calling thread, in time order (FIFO among equal
 * times). The clock starts at an arbitrary origin, not 0, to catch "0 means unset" bugs.
 * Confined to the test thread. Shared by the DNS, file and health tests (the health tests extend it as {@code ManualClock}).
 */
public class FakeScheduler extends AbstractExecutorService
        implements ScheduledExecutorService, Ticker {

    private long now = 1_000_000_000L;
    private long sequence;
    private boolean shutdown;
    private final PriorityQueue<Task> queue = new PriorityQueue<>();

    @Override
    public long read() {
        return now;
    }

    /** Moves the clock forward, running every task that falls due, in order. */
    public void advance(Duration d) {
        long target = now + d.toNanos();
        while (true) {
            Task t = queue.peek();
            if (t == null || t.time > target) {
                break;
            }
            queue.poll();
            if (t.cancelled) {
                continue;
            }
            now = Math.max(now, t.time);
            t.command.run();
            if (t.period > 0 && !t.cancelled && !shutdown) {
                t.time = now + t.period;
                t.seq = sequence++;
                queue.add(t);
            } else {
                t.done = true;
            }
        }
        now = target;
    }

    /** Runs the tasks due now. */
    public void runDue() {
        advance(Duration.ZERO);
    }

    /** The delays until each pending task, in time order. */
    public List<Duration> pendingDelays() {
        List<Task> tasks = new ArrayList<>(queue);
        tasks.sort(null);
        List<Duration> delays = new ArrayList<>();
        for (Task t : tasks) {
            if (!t.cancelled) {
                delays.add(Duration.ofNanos(t.time - now));
            }
        }
        return delays;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(command, unit.toNanos(delay), 0);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("not needed by the code under test");
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay,
            long period, TimeUnit unit) {
        return add(command, unit.toNanos(initialDelay), unit.toNanos(period));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
            long delay, TimeUnit unit) {
        return add(command, unit.toNanos(initialDelay), unit.toNanos(delay));
    }

    @Override
    public void execute(Runnable command) {
        add(command, 0, 0);
    }

    private Task add(Runnable command, long delayNanos, long periodNanos) {
        if (shutdown) {
            throw new java.util.concurrent.RejectedExecutionException("shut down");
        }
        Task t = new Task(command, now + Math.max(0, delayNanos), periodNanos, sequence++);
        queue.add(t);
        return t;
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> pending = new ArrayList<>();
        for (Task t : queue) {
            pending.add(t.command);
        }
        queue.clear();
        return pending;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable command;
        long time;
        final long period;
        long seq;
        boolean cancelled;
        boolean done;

        Task(Runnable command, long time, long period, long seq) {
            this.command = command;
            this.time = time;
            this.period = period;
            this.seq = seq;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(time - now, TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Task t = (Task) o;
            int c = Long.compare(time, t.time);
            return c != 0 ? c : Long.compare(seq, t.seq);
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            if (done || cancelled) {
                return false; // Future's contract: only the call that cancels returns true
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
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
