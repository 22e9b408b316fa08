package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A grpc {@link NameResolver} that follows an lbkit {@link EndpointGroup}. Thread-safe in the way
 * grpc requires: grpc calls {@link #start}, {@link #refresh} and {@link #shutdown} in the channel's
 * {@link SynchronizationContext}; group snapshots arrive on the group's threads and are handed to
 * that context, so the listener is only ever called from it, in snapshot order.
 */
final class GroupNameResolver extends NameResolver {

    private static final System.Logger LOG = System.getLogger(GroupNameResolver.class.getName());

    /**
     * 5 s: how long a group that is not ready (DNS not answered yet) may keep the channel without
     * a result before the resolver reports an error, so that calls fail fast instead of waiting;
     * longer than a DNS query timing out on two nameservers (2 s each by default).
     */
    static final Duration NOT_READY_TIMEOUT = Duration.ofSeconds(5);

    private final EndpointGroup group;
    private final boolean ownsGroup;
    private final String authority;
    private final SynchronizationContext syncContext;
    private final ScheduledExecutorService scheduler; // null: no not-ready timeout
    private final Duration notReadyTimeout;

    // Confined to syncContext.
    private SynchronizationContext.ScheduledHandle notReadyTimer;
    private Listener2 listener;
    private EndpointGroup.Subscription subscription;
    private List<Endpoint> last;
    private boolean shutdown;

    /**
     * @param ownsGroup whether {@link #shutdown} closes the group (true for groups the resolver
     *     made from its target, false for groups the application shares)
     * @param scheduler grpc's scheduler for the {@link #NOT_READY_TIMEOUT}; may be null
     */
    GroupNameResolver(EndpointGroup group, boolean ownsGroup, String authority,
            SynchronizationContext syncContext, ScheduledExecutorService scheduler) {
        this(group, ownsGroup, authority, syncContext, scheduler, NOT_READY_TIMEOUT);
    }

    GroupNameResolver(EndpointGroup group, boolean ownsGroup, String authority,
            SynchronizationContext syncContext, ScheduledExecutorService scheduler,
            Duration notReadyTimeout) {
        this.group = requireNonNull(group, "group");
        this.ownsGroup = ownsGroup;
        this.authority = requireNonNull(authority, "authority");
        this.syncContext = requireNonNull(syncContext, "syncContext");
        this.scheduler = scheduler;
        this.notReadyTimeout = requireNonNull(notReadyTimeout, "notReadyTimeout");
    }

    @Override
    public String getServiceAuthority() {
        return authority;
    }

    @Override
    public void start(Listener2 listener) {
        if (this.listener != null) {
            throw new IllegalStateException("already started");
        }
        this.listener = requireNonNull(listener, "listener");
        // The group may deliver its current snapshot right here (inside the context, where
        // execute() queues it behind this task) or later on its own thread.
        subscription = group.subscribe(snapshot -> syncContext.execute(() -> deliver(snapshot)));
        if (scheduler != null && !group.whenReady().isDone()) {
            notReadyTimer = syncContext.schedule(() -> {
                if (!shutdown && last == null) {
                    // The group logs why (each failed DNS query with its error); its public
                    // API has no failure to quote here.
                    listener.onError(Status.UNAVAILABLE.withDescription(group
                            + " has no endpoints yet, " + notReadyTimeout.toMillis()
                            + " ms after the channel started; the group logs why (for DNS"
                            + " groups: logger io.lbkit.dns.DnsEndpointGroup, with each failed"
                            + " query; a nameserver refusing AAAA queries needs"
                            + " ?addressFamilies=ipv4_only)"));
                }
            }, notReadyTimeout.toNanos(), TimeUnit.NANOSECONDS, scheduler);
        }
    }

    /**
     * Publishes the group's latest snapshot again. A group pushes every change by itself, so
     * there is nothing to re-resolve; re-publishing lets the policy retry with the same set.
     */
    @Override
    public void refresh() {
        if (last != null) {
            deliver(last);
        }
    }

    @Override
    public void shutdown() {
        if (shutdown) {
            return;
        }
        shutdown = true;
        if (notReadyTimer != null) {
            notReadyTimer.cancel();
        }
        if (subscription != null) {
            subscription.close();
        }
        if (ownsGroup) {
            group.close();
        }
    }

    private void deliver(List<Endpoint> snapshot) {
        if (shutdown) {
            return;
        }
        last = snapshot;
        List<EquivalentAddressGroup> addresses = new ArrayList<>(snapshot.size());
        for (Endpoint e : snapshot) {
            try {
                addresses.add(addressGroup(e));
            } catch (UnknownHostException ex) {
                LOG.log(Level.WARNING, "skipping endpoint " + e + " of " + group
                        + ": its host does not resolve", ex);
            }
        }
        // An empty list is delivered as it is: the lbkit policy then drops every subchannel,
        // and grpc turns it into "no usable address" for policies that cannot take it.
        listener.onResult2(ResolutionResult.newBuilder()
                .setAddressesOrError(StatusOr.fromValue(List.copyOf(addresses)))
                .setAttributes(Attributes.EMPTY)
                .build());
    }

    /**
     * The address group of one endpoint, with the endpoint, weight, zone and priority attached.
     *
     * @throws UnknownHostException if the host is a name that does not resolve (IP literals never
     *     do a lookup)
     */
    static EquivalentAddressGroup addressGroup(Endpoint e) throws UnknownHostException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(e.host()), e.port());
        Attributes.Builder a = Attributes.newBuilder()
                .set(LbkitGrpc.ENDPOINT, e)
                .set(LbkitGrpc.WEIGHT, e.weight())
                .set(LbkitGrpc.PRIORITY, e.priority());
        e.zone().ifPresent(z -> a.set(LbkitGrpc.ZONE, z));
        return new EquivalentAddressGroup(address, a.build());
    }

    @Override
    public String toString() {
        return "GroupNameResolver[" + authority + ", " + group + "]";
    }
}
