package io.lbkit;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
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
 * every snapshot in order, one at a time, outside the group's locks, on the thread that made the
 * change (a caller of {@link DynamicEndpointGroup#set}, a DNS refresh thread, ...) or on the
 * thread already delivering the group's snapshots; they must return quickly and must not block. A group never blocks a {@link LoadBalancer}'s pick path: the balancer builds its
 * routing table from the snapshot inside the listener, off the pick path.
 */
public interface EndpointGroup extends AutoCloseable {

    /**
     * A group whose endpoints never change. Ready at once.
     *
     * @throws IllegalArgumentException if two endpoints have the same address
     * @throws NullPointerException if the array or an endpoint is null
     */
    static EndpointGroup of(Endpoint... endpoints) {
        return of(Arrays.asList(requireNonNull(endpoints, "endpoints")));
    }

    /**
     * A group whose endpoints never change. Ready at once.
     *
     * @throws IllegalArgumentException if two endpoints have the same address
     * @throws NullPointerException if the list or an endpoint is null
     */
    static EndpointGroup of(List<Endpoint> endpoints) {
        return new StaticEndpointGroup(endpoints);
    }

    /**
     * A group whose endpoints the application adds and removes at run time. Ready at once.
     *
     * @throws IllegalArgumentException if two endpoints have the same address
     * @throws NullPointerException if the array or an endpoint is null
     */
    static DynamicEndpointGroup dynamic(Endpoint... initial) {
        return new DynamicEndpointGroup(Arrays.asList(requireNonNull(initial, "initial")));
    }

    /**
     * The A/AAAA addresses of {@code host}, each at {@code port}, re-resolved on the records'
     * TTLs (clamped to 1 s..5 min) from the nameservers of {@code /etc/resolv.conf}. Ready after
     * the first successful resolution. Tune it with
     * {@link io.lbkit.dns.DnsEndpointGroup#builder(String, int)}.
     *
     * @param host a DNS name, not an IP literal
     * @param port 1..65535
     * @throws IllegalArgumentException if the host is not a valid DNS name or the port is out of
     *     range
     */
    static EndpointGroup dns(String host, int port) {
        return io.lbkit.dns.DnsEndpointGroup.builder(host, port).build();
    }

    /**
     * The endpoints named by the SRV records of {@code srvName} ({@code _service._proto.name}):
     * each target's addresses at the record's port, SRV priority as endpoint priority (by rank)
     * and SRV weight as endpoint weight. Re-resolved like {@link #dns(String, int)}. Tune it with
     * {@link io.lbkit.dns.DnsEndpointGroup#srvBuilder(String)}.
     *
     * @throws IllegalArgumentException if the name does not look like {@code _service._proto.name}
     */
    static EndpointGroup dnsSrv(String srvName) {
        return io.lbkit.dns.DnsEndpointGroup.srvBuilder(srvName).build();
    }

    /**
     * The endpoints listed in a file, one {@code host:port [weight] [zone]} per line, reloaded
     * when the file changes. Tune it with {@link io.lbkit.file.FileEndpointGroup#builder(Path)}.
     *
     * @throws NullPointerException if path is null
     */
    static EndpointGroup file(Path path) {
        return io.lbkit.file.FileEndpointGroup.builder(path).build();
    }

    /**
     * This client's subset of {@code source}'s endpoints, chosen by {@code subsetting}: connect to
     * a few servers of a large pool while the pool's connections stay even. The subset follows
     * the source's changes; closing it closes the source.
     *
     * @throws NullPointerException if an argument is null
     * @see Subsetting
     */
    static SubsetEndpointGroup subset(EndpointGroup source, Subsetting subsetting) {
        return SubsetEndpointGroup.of(source, subsetting);
    }

    /**
     * The current snapshot: an immutable list, empty before the group is ready or when the source
     * has no endpoints.
     */
    List<Endpoint> endpoints();

    /**
     * Completes with the first snapshot once the group has one (at once for static and dynamic
     * groups; after the first successful resolution for DNS), once the listeners registered by
     * then have received it: a balancer over the group has its first routing table. Completes
     * exceptionally if the group is closed first.
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
