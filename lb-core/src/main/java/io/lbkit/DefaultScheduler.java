package io.lbkit;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The scheduler balancers use when none is given: one shared daemon thread, created on first
 * use. Health work is rare and short (timers, probe starts), so one thread serves every balancer.
 */
final class DefaultScheduler {
    private DefaultScheduler() {}

    static ScheduledExecutorService get() {
        return Holder.INSTANCE;
    }

    private static final class Holder {
        static final ScheduledExecutorService INSTANCE = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "lbkit-scheduler");
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }
}
