package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.internal.SerialQueue;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The base of endpoint groups: keeps the current snapshot, validates updates and delivers them
 * to listeners in order. Thread-safe. Subclasses call {@link #update} whenever their source
 * changes.
 *
 * <p>Updates are serialised by one lock and queue their deliveries in that order; listeners run
 * after the lock is released (never under it), one at a time, on the thread that made the change
 * or on the thread already delivering this group's snapshots. So every listener sees every
 * snapshot exactly once and in order, a listener may change the group it listens to (its change
 * is delivered after it returns), and a listener that throws, even an {@link Error}, is logged
 * and stops nothing. Readers of {@link #endpoints()} never take the lock.
 *
 * <p>Subclasses that hold a lock of their own around a change call {@link #publish} under it
 * and {@link #deliverPublished()} after releasing it; others call {@link #update}, which does
 * both, holding no lock.
 */
public abstract class AbstractEndpointGroup implements EndpointGroup {

    private static final System.Logger LOG = System.getLogger(EndpointGroup.class.getName());

    private final Object lock = new Object();
    private final CopyOnWriteArrayList<Consumer<? super List<Endpoint>>> listeners =
            new CopyOnWriteArrayList<>();
    private final CompletableFuture<List<Endpoint>> ready = new CompletableFuture<>();
    private final SerialQueue deliveries = new SerialQueue(LOG, "endpoint listener");
    private volatile List<Endpoint> endpoints = List.of();
    private volatile boolean closed;
    /** Whether a first snapshot was published. Guarded by lock. */
    private boolean published;

    /** For subclasses. The group is not ready until the first {@link #update}. */
    protected AbstractEndpointGroup() {}

    @Override
    public final List<Endpoint> endpoints() {
        return endpoints;
    }

    @Override
    public final CompletableFuture<List<Endpoint>> whenReady() {
        return ready.copy();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The current snapshot is delivered before this returns, unless another thread is
     * delivering one of this group's snapshots at that moment (or this is called from a
     * listener): then that delivery, which runs on the other thread, comes right after the ones
     * queued before it.
     */
    @Override
    public final Subscription subscribe(Consumer<? super List<Endpoint>> listener) {
        requireNonNull(listener, "listener");
        synchronized (lock) {
            if (closed) {
                return () -> { }; // a closed group publishes nothing more: nothing to hold on to
            }
            listeners.add(listener);
            if (published) {
                List<Endpoint> current = endpoints;
                deliveries.enqueue(() -> deliver(listener, current));
            }
        }
        deliveries.drain();
        return () -> listeners.remove(listener);
    }

    /**
     * Publishes a new snapshot if it differs from the current one, marks the group ready, and
     * delivers it to the listeners. Call it holding no lock: listeners run on this thread.
     *
     * @param newEndpoints the complete new list; copied
     * @return whether the snapshot changed
     * @throws IllegalArgumentException if two endpoints share an address; nothing changes then
     */
    protected final boolean update(Collection<Endpoint> newEndpoints) {
        boolean changed = publish(newEndpoints);
        deliverPublished();
        return changed;
    }

    /**
     * As {@link #update}, but only queues the deliveries: for a subclass that holds its own lock
     * around the change, so that the queue has its changes in order. Call
     * {@link #deliverPublished()} once that lock is released.
     *
     * @param newEndpoints the complete new list; copied
     * @return whether the snapshot changed
     * @throws IllegalArgumentException if two endpoints share an address; nothing changes then
     */
    protected final boolean publish(Collection<Endpoint> newEndpoints) {
        List<Endpoint> snapshot = checkedCopy(newEndpoints);
        synchronized (lock) {
            if (closed) {
                return false;
            }
            boolean changed = !snapshot.equals(endpoints);
            if (changed || !published) {
                endpoints = snapshot;
                for (Consumer<? super List<Endpoint>> l : listeners) {
                    deliveries.enqueue(() -> deliver(l, snapshot));
                }
            }
            if (!published) {
                published = true;
                // after the listeners: whoever waits for whenReady() finds them up to date
                deliveries.enqueue(() -> ready.complete(snapshot));
            }
            return changed;
        }
    }

    /**
     * Delivers what {@link #publish} queued, on this thread, unless another thread is delivering
     * (then it delivers these too). Call it holding no lock.
     */
    protected final void deliverPublished() {
        deliveries.drain();
    }

    /**
     * Closes the group: listeners receive nothing more and {@link #whenReady()} fails if it had
     * not completed. Subclasses that override this to stop their own timers must call it.
     */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            listeners.clear();
        }
        ready.completeExceptionally(new IllegalStateException(this + " was closed"));
    }

    /** Whether {@link #close()} was called. */
    protected final boolean isClosed() {
        return closed;
    }

    /** Validates that addresses are unique and returns an immutable copy. */
    static List<Endpoint> checkedCopy(Collection<Endpoint> endpoints) {
        requireNonNull(endpoints, "endpoints");
        Map<String, Endpoint> byAddress = new HashMap<>(endpoints.size() * 2);
        List<Endpoint> copy = new ArrayList<>(endpoints.size());
        for (Endpoint e : endpoints) {
            requireNonNull(e, "endpoints must not contain null");
            Endpoint previous = byAddress.putIfAbsent(e.address(), e);
            if (previous != null) {
                throw new IllegalArgumentException("duplicate endpoint address " + e.address()
                        + ": " + previous + " and " + e + " (an address may appear once)");
            }
            copy.add(e);
        }
        return List.copyOf(copy);
    }

    private void deliver(Consumer<? super List<Endpoint>> listener, List<Endpoint> snapshot) {
        if (closed || !listeners.contains(listener)) {
            return; // nothing after close() or after the subscription was closed
        }
        try {
            listener.accept(snapshot);
        } catch (RuntimeException | Error e) { // even an Error: the next listener still runs
            LOG.log(Level.WARNING, "endpoint listener " + listener + " of " + this + " failed", e);
        }
    }
}
