package io.lbkit;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Keeps one balancer's routing table up to date with the changes recorded under its lock,
 * building the tables single-flight and outside the lock. Thread-safe: its state is guarded by
 * the balancer's lock.
 */
/*
 * Implementation notes.
 *
 * A change (a snapshot, a health transition, a locality change) bumps `changes` under the lock.
 * The thread that recorded it then calls publish(). If no thread is the `rebuilder`, it becomes
 * it: it plans the table under the lock (TablePlan.plan: eligible sets, tiers, weights, caps;
 * O(n)), builds the pickers outside the lock (a ring or Maglev table of many endpoints takes
 * milliseconds), and publishes the table under the lock only if nothing newer was published
 * (`published`), so an older table never replaces a newer one. It plans again while changes
 * arrived during its build, at most MAX_BUILDS times, then hands what is left to a scheduler task
 * (giving up the rebuilder's place, which the task, or any thread with a change, then takes).
 *
 * A reporter that finds a rebuilder at work returns at once: the rebuilder looks at `changes`
 * under the lock after each publication, so it cannot miss one recorded before (no lost wake-up:
 * becoming the rebuilder, recording a change and giving up the place all happen under the lock).
 * So a report never waits behind another thread's build, and one thread alone sees its change in
 * effect when its report returns. A snapshot or locality change waits instead (lock released)
 * until a table reflecting it is published or the rebuilder's place is free, since users expect
 * a group edit to be in effect when it returns. One rebuilder at a time means the strategy's
 * newPicker is called by one thread at a time, as Strategy promises.
 *
 * Health events are tied to the change they describe (HealthController.tagEvents) and queued for
 * delivery when a table reflecting it is published, in order; they are delivered outside the lock
 * by the caller of publish(), then.
 */
final class TableRebuilds {

    private static final System.Logger LOG = System.getLogger(LoadBalancer.class.getName());

    /**
     * 2: how many tables a reporting thread builds at most before it hands the changes still
     * coming in to the scheduler. The second build covers every change made during the first.
     */
    static final int MAX_BUILDS = 2;

    private final Object lock;
    private final HealthController health;
    private final ScheduledExecutorService scheduler;
    /** Under the lock: the plan for the current states, given the change count it reflects. */
    private final LongFunction<TablePlan> planner;
    /** Under the lock: whether the balancer is closed (then nothing is published). */
    private final BooleanSupplier closed;
    /** Under the lock: publishes a table (one volatile write). */
    private final Consumer<Route> install;

    /** The number of changes recorded. Guarded by lock. */
    private long changes;
    /** The change count the published table reflects. Guarded by lock. */
    private long published;
    /** The thread planning, building and publishing tables; null when none. Guarded by lock. */
    private Thread rebuilder;

    TableRebuilds(Object lock, HealthController health, ScheduledExecutorService scheduler,
            LongFunction<TablePlan> planner, BooleanSupplier closed, Consumer<Route> install) {
        this.lock = lock;
        this.health = health;
        this.scheduler = scheduler;
        this.planner = planner;
        this.closed = closed;
        this.install = install;
    }

    /**
     * Records a change that the routing table must reflect, and ties the health events queued so
     * far to it. Call under the lock, then {@link #publish} without it.
     */
    void changedLocked() {
        changes++;
        health.tagEvents(changes);
    }

    /** Under the lock, once the balancer is closed: wakes the snapshots waiting for a table. */
    void closedLocked() {
        lock.notifyAll();
    }

    /**
     * Brings the routing table up to date with the changes recorded so far. Call holding no lock,
     * after {@link #changedLocked()}; then {@link HealthController#deliverEvents()}.
     *
     * <p>When no other thread is rebuilding, this thread becomes the rebuilder and publishes a
     * table reflecting its change before it returns (unless more changes keep arriving: after
     * {@link #MAX_BUILDS} builds the scheduler takes the rest). When another thread is
     * rebuilding, that thread publishes this change too: with {@code await} false (a report) this
     * returns at once; with {@code await} true (a group snapshot, a locality change) it waits,
     * with the lock released, until a table reflecting the change is published or it may take
     * over as rebuilder.
     */
    void publish(boolean await) {
        synchronized (lock) {
            long target = changes;
            if (await) {
                awaitRebuilderLocked(target);
            }
            if (rebuilder != null || closed.getAsBoolean() || published >= target) {
                return;
            }
            rebuilder = Thread.currentThread();
        }
        TablePlan plan = null;
        try {
            for (int builds = 0; ; builds++) {
                synchronized (lock) {
                    if (closed.getAsBoolean() || published >= changes) {
                        releaseLocked();
                        return;
                    }
                    if (builds >= MAX_BUILDS && handOffLocked()) {
                        return;
                    }
                    plan = planner.apply(changes);
                }
                Route route = plan.build();
                synchronized (lock) {
                    if (!closed.getAsBoolean() && plan.version > published) {
                        install.accept(route);
                        published = plan.version;
                        lock.notifyAll(); // snapshots waiting for this table
                        health.flushEvents(published);
                        if (plan.ramping) {
                            health.rampPending();
                        }
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            // A plan, a build, a ticker or the scheduler threw: give up the rebuilder's place
            // (else no table would ever be published again and snapshots would wait until
            // close) and let the scheduler publish the changes other threads recorded meanwhile.
            synchronized (lock) {
                if (rebuilder == Thread.currentThread()) {
                    long reflected = plan == null ? published : plan.version;
                    health.flushEvents(reflected); // the changes happened; say so
                    releaseLocked();
                    if (!closed.getAsBoolean() && changes > reflected) {
                        scheduleCatchUpLocked();
                    }
                }
            }
            throw e;
        }
    }

    /** Under the lock: waits while another thread rebuilds and the table is behind target. */
    private void awaitRebuilderLocked(long target) {
        boolean interrupted = false;
        try {
            while (rebuilder != null && rebuilder != Thread.currentThread()
                    && !closed.getAsBoolean() && published < target) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the edit is applied; its table comes regardless
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** This thread stops being the rebuilder. Call under the lock. */
    private void releaseLocked() {
        rebuilder = null;
        lock.notifyAll(); // waiting snapshots: published, or theirs to take over
    }

    /**
     * Hands the changes still unpublished to a scheduler task, so that a stream of changes does
     * not keep one reporter building; false if the scheduler refused it (then this thread goes
     * on). Call under the lock, as the rebuilder.
     */
    private boolean handOffLocked() {
        releaseLocked();
        if (scheduleCatchUpLocked()) {
            return true;
        }
        rebuilder = Thread.currentThread();
        return false;
    }

    /** Under the lock: asks the scheduler to publish what is left; false if it refused. */
    private boolean scheduleCatchUpLocked() {
        try {
            scheduler.schedule(this::catchUp, 0, TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** The scheduler's task after a hand-off: publishes what is left, unless a reporter did. */
    private void catchUp() {
        try {
            publish(false);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "lbkit routing table build failed", e);
        } finally {
            health.deliverEvents();
        }
    }
}
