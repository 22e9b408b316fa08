package io.lbkit.internal;

import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs callbacks one at a time, in the order they were queued, on the thread that queued them or
 * on the thread already draining: the way lbkit delivers snapshots and events outside its locks.
 * Thread-safe.
 *
 * <p>A producer {@linkplain #enqueue queues} its callbacks while it holds its lock (so the order
 * of the queue is the order of the changes) and {@linkplain #drain drains} after releasing it. A
 * callback that throws, even an {@link Error}, is logged and the next one runs; a callback that
 * queues more (a listener editing the group it listens to) has them run after it returns, by the
 * same drain, never recursively.
 */
/*
 * Implementation notes.
 *
 * grpc-java's SynchronizationContext: an unbounded lock-free queue and an owner slot. A drainer
 * CASes itself into `drainer`, runs everything queued, clears the slot and looks again, so a
 * callback queued between its last poll and the clear is not stranded: either the enqueuer's own
 * drain wins the CAS, or this thread's second look sees it. A thread that finds another draining
 * returns at once; its callbacks run on that thread, after the ones queued before them.
 */
public final class SerialQueue {

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Thread> drainer = new AtomicReference<>();
    private final System.Logger log;
    private final String what;

    /**
     * @param log where a failing callback is reported
     * @param what names the callbacks in that report ("endpoint listener", "health listener")
     */
    public SerialQueue(System.Logger log, String what) {
        this.log = log;
        this.what = what;
    }

    /** Queues a callback; it runs at the next {@link #drain()}. Safe to call under a lock. */
    public void enqueue(Runnable callback) {
        queue.add(callback);
    }

    /**
     * Runs the queued callbacks, unless another thread is running them (then it runs these too)
     * or this thread is (then they run when the current callback returns). Call it holding no
     * lock.
     */
    public void drain() {
        while (!queue.isEmpty()) {
            Thread self = Thread.currentThread();
            if (!drainer.compareAndSet(null, self)) {
                return;
            }
            try {
                Runnable r;
                while ((r = queue.poll()) != null) {
                    try {
                        r.run();
                    } catch (Throwable t) { // a listener's Error must not stop lbkit's timers
                        log.log(Level.ERROR, what + " " + r + " failed", t);
                    }
                }
            } finally {
                drainer.set(null);
            }
        }
    }

    /** Whether the current thread is running this queue's callbacks. */
    public boolean isDrainingOnThisThread() {
        return drainer.get() == Thread.currentThread();
    }
}
