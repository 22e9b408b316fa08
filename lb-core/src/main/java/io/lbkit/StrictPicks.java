package io.lbkit;

import java.lang.System.Logger.Level;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code strictPicks} mode of a balancer: each pick returns a handle of its own that
 * detects a second report and, through a {@link Cleaner}, a pick dropped without one. Misuse is
 * counted per endpoint ({@link EndpointStats#pickMisuses()}) and logged (the first at WARNING,
 * later ones at DEBUG). Thread-safe.
 *
 * <p>Costs one small allocation and a Cleaner registration per pick, so it is off by default;
 * the default pick hands out the endpoint's shared record and allocates nothing.
 */
final class StrictPicks {

    private static final System.Logger LOG = System.getLogger(LoadBalancer.class.getName());

    /** One daemon thread for every strict balancer; it only runs leak actions. */
    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "lbkit-pick-leaks");
        t.setDaemon(true);
        return t;
    });

    private final String balancer;
    private final AtomicBoolean warned = new AtomicBoolean();

    StrictPicks(String balancer) {
        this.balancer = balancer;
    }

    /** A per-call handle for a pick of {@code s}, whose in-flight count was just raised. */
    Pick track(EndpointState s) {
        return s == null ? null : new Handle(s, this);
    }

    void misuse(EndpointState s, String what, Throwable trace) {
        s.countMisuse();
        boolean first = warned.compareAndSet(false, true);
        LOG.log(first ? Level.WARNING : Level.DEBUG, () -> balancer + ": " + what
                + " (" + s.pickMisuses() + " misused pick(s) of this endpoint so far;"
                + " later ones are logged at DEBUG)", trace);
    }

    /** The cleaning action: holds the state and the flag, never the handle. */
    private static final class Leak implements Runnable {
        private final EndpointState state;
        private final AtomicBoolean reported;
        private final StrictPicks owner;

        Leak(EndpointState state, AtomicBoolean reported, StrictPicks owner) {
            this.state = state;
            this.reported = reported;
            this.owner = owner;
        }

        @Override
        public void run() {
            if (reported.compareAndSet(false, true)) {
                state.release(); // frees the in-flight slot the lost pick held
                owner.misuse(state, "a Pick of " + state.endpoint().address() + " was garbage"
                        + "-collected without onSuccess, onFailure or release; its in-flight slot"
                        + " was freed", null);
            }
        }
    }

    /** One pick's handle. */
    private static final class Handle implements Pick {
        private final EndpointState state;
        private final StrictPicks owner;
        private final AtomicBoolean reported = new AtomicBoolean();
        private final Cleaner.Cleanable cleanable;

        Handle(EndpointState state, StrictPicks owner) {
            this.state = state;
            this.owner = owner;
            this.cleanable = CLEANER.register(this, new Leak(state, reported, owner));
        }

        @Override
        public Endpoint endpoint() {
            return state.endpoint();
        }

        @Override
        public void onSuccess(long latencyNanos) {
            first("onSuccess");
            state.onSuccess(latencyNanos);
        }

        @Override
        public void onFailure(long latencyNanos) {
            first("onFailure");
            state.onFailure(latencyNanos);
        }

        @Override
        public void release() {
            first("release");
            state.release();
        }

        @Override
        public boolean recentlyFailing() {
            return state.recentlyFailing();
        }

        @Override
        public boolean failedSinceLastSuccess() {
            return state.failedSinceLastSuccess();
        }

        @Override
        public boolean succeededWithin(long nanos) {
            return state.succeededWithin(nanos);
        }

        /** Claims the one report, or counts, logs and throws. */
        private void first(String report) {
            if (!reported.compareAndSet(false, true)) {
                IllegalStateException e = new IllegalStateException("a Pick of "
                        + state.endpoint().address() + " was reported twice (then " + report
                        + "); report each pick exactly once");
                owner.misuse(state, e.getMessage(), e);
                throw e;
            }
            cleanable.clean(); // deregisters; the action sees the flag set and does nothing
        }

        @Override
        public String toString() {
            return "Pick[" + state.endpoint().address() + ", strict, reported=" + reported.get()
                    + "]";
        }
    }
}
