package io.lbkit;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A source of endpoint lists that may change over time: a static list, a list changed at run
 * time, DNS records, a watched file. Thread-safe.
 *
 * <p>A group publishes immutable snapshots. Each snapshot holds at most one endpoint per
 * {@linkplain Endpoint#address() address}, in the order the source gave them. Listeners receive
 * every snapshot in order, one at a time, on the thread that made the change (a caller of
 * {@link DynamicEndpointGroup#set}, a DNS refresh thread, ...); they must return quickly and must
 * not block. A group never blocks a {@link LoadBalancer}'s pick path: the balancer builds its
 * routing table from the snapshot inside the listener, off the pick path.
 */
public interface EndpointGroup extends AutoCloseable {

    /**
     * A group whose endpoints never change. Ready at once.
     *
     * @throws IllegalArgumentException if two endpoints have the same address
     */
    static EndpointGroup of(Endpoint... endpoints) {
        return of(Arrays.asList(endpoints));
    }

    /**
     * A group whose endpoints never change. Ready at once.
     *
     * @throws IllegalArgumentException if two endpoints have the same address
     */
    static EndpointGroup of(List<Endpoint> endpoints) {
        return new StaticEndpointGroup(endpoints);
    }

    /** A group whose endpoints the application adds and removes at run time. Ready at once. */
    static DynamicEndpointGroup dynamic(Endpoint... initial) {
        return new DynamicEndpointGroup(Arrays.asList(initial));
    }

    /**
     * The current snapshot: an immutable list, empty before the group is ready or when the source
     * has no endpoints.
     */
    List<Endpoint> endpoints();

    /**
     * Completes with the first snapshot once the group has one (at once for static and dynamic
     * groups; after the first successful resolution for DNS). Completes exceptionally if the
     * group is closed first.
     */
    CompletableFuture<List<Endpoint>> whenReady();

    /**
     * Registers a listener for snapshots. If the group is ready, the listener receives the current
     * snapshot before this method returns; afterwards, each new snapshot in order.
     *
     * @return a handle whose {@code close()} removes the listener
     */
    Subscription subscribe(Consumer<? super List<Endpoint>> listener);

    /** Stops the group's timers and watches and releases its resources. Idempotent. */
    @Override
    void close();

    /** A listener registration; {@link #close()} ends it. Idempotent. */
    @FunctionalInterface
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
