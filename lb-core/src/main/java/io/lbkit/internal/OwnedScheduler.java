package io.lbkit.internal;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The scheduler of a discovery source or registration (DNS, file and etcd groups, etcd
 * registrations): the one its builder was given, which the source never shuts down, or else a
 * daemon thread of the source's own, which {@link #close()} stops. Thread-safe.
 */
public final class OwnedScheduler {

    private final ScheduledExecutorService executor;
    private final boolean owned;

    private OwnedScheduler(ScheduledExecutorService executor, boolean owned) {
        this.executor = executor;
        this.owned = owned;
    }

    /**
     * @param given the builder's scheduler, null for none
     * @param threadName the name of the daemon thread made when none is given
     */
    public static OwnedScheduler of(ScheduledExecutorService given, String threadName) {
        if (given != null) {
            return new OwnedScheduler(given, false);
        }
        return new OwnedScheduler(Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        }), true);
    }

    public ScheduledExecutorService executor() {
        return executor;
    }

    /** Stops the thread if the source owns it (tasks not yet run are dropped); else nothing. */
    public void close() {
        if (owned) {
            executor.shutdownNow();
        }
    }
}
