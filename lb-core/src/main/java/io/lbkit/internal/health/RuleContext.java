package io.lbkit.internal.health;

import io.lbkit.health.HealthEvent;
import java.util.Collection;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BooleanSupplier;

/**
 * What a health rule needs from the balancer that runs it: the clock, the current members, a way
 * to emit events and to schedule its timers. Implemented by the balancer's health coordinator;
 * the methods marked "under the lock" are called by rules holding the balancer's lock, which the
 * coordinator takes before calling into a rule.
 */
public interface RuleContext {

    /** The balancer's clock, in nanoseconds. */
    long now();

    /** The members of the current snapshot, in the group's order. Under the lock. */
    Collection<? extends Member> members();

    /**
     * Queues an event; it is delivered, outside the lock and in order, once the routing table
     * reflects it. Under the lock.
     *
     * @param member the endpoint concerned, null for a balancer-wide event
     */
    void emit(HealthEvent.Type type, Member member, String detail);

    /**
     * The member is back in rotation (restored, circuit closed, UP again): slow start ramps its
     * weight. Under the lock.
     */
    void returned(Member member);

    /**
     * Runs {@code change} after {@code delayNanos}, holding the balancer's lock, unless the
     * balancer has closed or {@code member} (when not null) has left; when it returns true the
     * routing table is rebuilt. Its events are delivered once the lock is released; a change that
     * throws is logged and stops no other timer. Under the lock or not.
     */
    ScheduledFuture<?> schedule(Member member, BooleanSupplier change, long delayNanos);

    /**
     * Runs {@code task} after {@code delayNanos} holding no lock (for a plug-in call: a probe),
     * unless the balancer has closed or {@code member} has left. A task that throws is logged.
     */
    ScheduledFuture<?> scheduleUnlocked(Member member, Runnable task, long delayNanos);

    /**
     * Applies {@code change} now, as a scheduled change would: under the lock, unless closed or
     * {@code member} left, rebuilding when it returns true, events delivered after. Call it
     * holding no lock (from a probe's completion).
     */
    void apply(Member member, BooleanSupplier change);

    /** Cancels a timer, if any; null is fine. */
    static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
