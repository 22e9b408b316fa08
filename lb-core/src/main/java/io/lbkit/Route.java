package io.lbkit;

/**
 * What a balancer's pick reads: an immutable routing table, flat ({@link RoutingTable}) or split
 * across priority levels and zones ({@link TieredRoute}). Thread-safe; never changes after
 * construction.
 */
abstract class Route {

    /**
     * Chooses an endpoint and raises its in-flight count.
     *
     * @throws NoEndpointAvailableException if no endpoint can take the call
     */
    abstract EndpointState pick();

    /** As {@link #pick()}, for a call with the given key hash. */
    abstract EndpointState pick(long hash);

    /** As {@link #pick()}, but null instead of the exception: for fallback without a throw. */
    abstract EndpointState tryPick();

    /** As {@link #pick(long)}, but null instead of the exception. */
    abstract EndpointState tryPick(long hash);
}
