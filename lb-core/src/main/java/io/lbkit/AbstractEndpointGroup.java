package io.lbkit;

import static java.util.Objects.requireNonNull;

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
 * <p>Updates and deliveries are serialised by one lock, so every listener sees every snapshot
 * exactly once and in order; readers of {@link #endpoints()} never take it.
 */
public abstract class AbstractEndpointGroup implements EndpointGroup {

    private static final System.Logger LOG = System.getLogger(EndpointGroup.class.getName());

    private final Object lock = new Object();
    private final CopyOnWriteArrayList<Consumer<? super List<Endpoint>>> listeners =
            new CopyOnWriteArrayList<>();
    private final CompletableFuture<List<Endpoint>> ready = new CompletableFuture<>();
    private volatile List<Endpoint> endpoints = List.of();
    private volatile boolean closed;

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

    @Override
    public final Subscription subscribe(Consumer<? super List<Endpoint>> listener) {
        requireNonNull(listener, "listener");
        synchronized (lock) {
            if (closed) {
                return () -> { }; // a closed group publishes nothing more: nothing to hold on to
            }
            listeners.add(listener);
            if (ready.isDone()) {
                deliver(listener, endpoints);
            }
        }
        return () -> listeners.remove(listener);
    }

    /**
     * Publishes a new snapshot if it differs from the current one, and marks the group ready.
     *
     * @param newEndpoints the complete new list; copied
     * @return whether the snapshot changed
     * @throws IllegalArgumentException if two endpoints share an address; nothing changes then
     */
    protected final boolean update(Collection<Endpoint> newEndpoints) {
        List<Endpoint> snapshot = checkedCopy(newEndpoints);
        synchronized (lock) {
            if (closed) {
                return false;
            }
            boolean changed = !snapshot.equals(endpoints);
            if (changed || !ready.isDone()) {
                endpoints = snapshot;
                for (Consumer<? super List<Endpoint>> l : listeners) {
                    deliver(l, snapshot);
                }
            }
            ready.complete(snapshot);
            return changed;
        }
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
        try {
            listener.accept(snapshot);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "endpoint listener " + listener + " of " + this + " failed", e);
        }
    }
}
