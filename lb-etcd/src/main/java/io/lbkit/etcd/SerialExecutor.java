package io.lbkit.etcd;

import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in submission order, on a scheduler that may have many threads; a
 * task that throws (even an Error) is logged and does not stop the ones after it. Thread-safe.
 */
/*
 * Implementation notes: a task queue plus a "draining" flag. execute() enqueues and, if no drain
 * is running, starts one on the scheduler. The drain runs tasks until the queue is empty, clears
 * the flag, then re-checks the queue to catch a task enqueued between its last poll and the
 * clear (that enqueuer saw the flag still set and did not start a drain).
 */
final class SerialExecutor {

    private static final System.Logger LOG = System.getLogger(SerialExecutor.class.getName());

    private final ScheduledExecutorService scheduler;
    private final String owner;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();

    SerialExecutor(ScheduledExecutorService scheduler, String owner) {
        this.scheduler = scheduler;
        this.owner = owner;
    }

    /** Queues a task; a no-op once the scheduler is shut down. */
    void execute(Runnable task) {
        tasks.add(task);
        if (draining.compareAndSet(false, true)) {
            try {
                scheduler.execute(this::drain);
            } catch (RejectedExecutionException e) {
                draining.set(false);
                tasks.clear(); // shut down: the owner is closing
            }
        }
    }

    /** Queues a task after a delay; null if the scheduler is shut down. */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        try {
            return scheduler.schedule(() -> execute(task), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    private void drain() {
        do {
            Runnable r;
            while ((r = tasks.poll()) != null) {
                try {
                    r.run();
                } catch (RuntimeException | Error e) {
                    LOG.log(Level.ERROR, owner + ": a task failed; carrying on", e);
                }
            }
            draining.set(false);
        } while (!tasks.isEmpty() && draining.compareAndSet(false, true));
    }
}
