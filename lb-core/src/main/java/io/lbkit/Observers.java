package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.health.HealthEvent;
import io.lbkit.health.HealthListener;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link LoadBalancerObserver}s of one balancer, and the health listener that feeds them
 * (the builder's listener first). Thread-safe.
 */
/*
 * Implementation notes.
 *
 * Copy on write: `observers` is an immutable array replaced under `this` by add and remove, and
 * read once per callback with one volatile read. `callObservers` is the same for the observers
 * whose class overrides onCall, the only callback on the report path: with none (no observer,
 * or metrics binders that read LoadBalancer.counters() instead) a report pays that read and a
 * length check. Callbacks never run under `this`: add and remove only swap the array. An
 * observer removed while a callback is under way may still receive that one callback. A callback
 * that throws, even an Error, is logged and skipped: the report, the timers that deliver events
 * and the other observers go on.
 */
final class Observers implements HealthListener {

    private static final System.Logger LOG = System.getLogger(LoadBalancer.class.getName());
    private static final LoadBalancerObserver[] NONE = new LoadBalancerObserver[0];

    /** The builder's listener; null when none. */
    private final HealthListener listener;
    private volatile LoadBalancerObserver[] observers = NONE;
    /** The observers that override {@link LoadBalancerObserver#onCall}, in the same order. */
    private volatile LoadBalancerObserver[] callObservers = NONE;

    Observers(HealthListener listener) {
        this.listener = listener;
    }

    /** Adds an observer; the returned subscription removes it. */
    EndpointGroup.Subscription add(LoadBalancerObserver observer) {
        requireNonNull(observer, "observer");
        synchronized (this) {
            LoadBalancerObserver[] a = observers;
            LoadBalancerObserver[] b = Arrays.copyOf(a, a.length + 1);
            b[a.length] = observer;
            observers = b;
            callObservers = withCalls(b);
        }
        return () -> remove(observer);
    }

    private static LoadBalancerObserver[] withCalls(LoadBalancerObserver[] all) {
        return Arrays.stream(all).filter(Observers::observesCalls)
                .toArray(LoadBalancerObserver[]::new);
    }

    /** Whether the observer's class overrides onCall (else the empty default would be called). */
    private static boolean observesCalls(LoadBalancerObserver o) {
        try {
            return o.getClass().getMethod("onCall", Endpoint.class,
                    LoadBalancerObserver.Outcome.class, long.class).getDeclaringClass()
                    != LoadBalancerObserver.class;
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e); // every observer has the interface's public method
        }
    }

    private synchronized void remove(LoadBalancerObserver observer) {
        LoadBalancerObserver[] a = observers;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == observer) {
                LoadBalancerObserver[] b = new LoadBalancerObserver[a.length - 1];
                System.arraycopy(a, 0, b, 0, i);
                System.arraycopy(a, i + 1, b, i, a.length - i - 1);
                observers = b;
                callObservers = withCalls(b);
                return;
            }
        }
    }

    void onCall(Endpoint endpoint, LoadBalancerObserver.Outcome outcome, long latencyNanos) {
        LoadBalancerObserver[] a = callObservers;
        for (int i = 0; i < a.length; i++) {
            try {
                a[i].onCall(endpoint, outcome, latencyNanos);
            } catch (RuntimeException | Error e) { // even an Error: the others still run
                failed(a[i], e);
            }
        }
    }

    void onRejected(NoEndpointAvailableException.Reason reason) {
        LoadBalancerObserver[] a = observers;
        for (LoadBalancerObserver o : a) {
            try {
                o.onRejected(reason);
            } catch (RuntimeException | Error e) {
                failed(o, e);
            }
        }
    }

    void onEndpoints(List<Endpoint> endpoints) {
        for (LoadBalancerObserver o : observers) {
            try {
                o.onEndpoints(endpoints);
            } catch (RuntimeException | Error e) {
                failed(o, e);
            }
        }
    }

    @Override
    public void onEvent(HealthEvent event) {
        if (listener != null) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException | Error e) {
                LOG.log(Level.WARNING, "health listener " + listener + " failed", e);
            }
        }
        for (LoadBalancerObserver o : observers) {
            try {
                o.onHealthEvent(event);
            } catch (RuntimeException | Error e) {
                failed(o, e);
            }
        }
    }

    private static void failed(LoadBalancerObserver o, Throwable e) {
        LOG.log(Level.WARNING, "load balancer observer " + o + " failed", e);
    }

    @Override
    public String toString() {
        return listener != null ? listener.toString() : "Observers";
    }
}
