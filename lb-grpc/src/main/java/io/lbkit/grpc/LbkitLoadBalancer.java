package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.Ticker;
import io.lbkit.health.HealthProbe;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The {@code lbkit} grpc load-balancing policy. Not thread-safe: grpc calls every method, and
 * every subchannel state listener, in the channel's {@link io.grpc.SynchronizationContext}. The
 * pickers it publishes are immutable and thread-safe.
 */
/*
 * Implementation notes.
 *
 * One subchannel per endpoint address (Endpoint.address(), "host:port"). The policy keeps the
 * endpoints of its READY subchannels in a DynamicEndpointGroup; an lbkit LoadBalancer with the
 * configured strategy follows that group, so its per-address state (in flight, latency EWMA)
 * carries over as long as an address stays READY. On every change the policy sets the READY
 * set (the balancer rebuilds its table synchronously, inside set()) and then publishes a new
 * ReadyPicker capturing an immutable address -> subchannel map.
 *
 * A picker may race with the next update: an old picker can draw an address from the newer
 * table that its map lacks. It then releases the pick and asks grpc to wait (withNoResult);
 * the newer picker is published right after the table, in the same synchronization-context
 * task, so the call waits only for that.
 *
 * With a split (SplitConfig), SplitRoutes gives each route its own DynamicEndpointGroup and
 * balancer (same options, same health listener and probe), combined in a TrafficSplit; publish()
 * hands it the READY endpoints, which it sorts into the routes by their attribute, gives the
 * split the weights of the routes that have READY endpoints, and returns a SplitPicker that knows
 * which routes have none. A config that changes only the weights keeps every balancer.
 *
 * The other files of the policy: ChildSubchannel (one subchannel's state), ResolvedAddress (grpc
 * addresses to lbkit endpoints), HealthWatch (the Watch stream), ReadyPicker and SplitPicker.
 *
 * With healthCheck configured, every READY subchannel has a HealthWatch (a grpc.health.v1 Watch
 * stream on the subchannel, started on READY, cancelled when it leaves READY or goes away): a
 * subchannel joins the READY set only once its server says SERVING, and leaves it as soon as the
 * server says anything else (the stream's message hops into the context, which republishes at
 * once). A server that answers the Watch UNIMPLEMENTED is "polled": it stays in the READY set and
 * the balancer's active check (the lbkit HealthCheck with the config's interval, rise and fall)
 * asks it Health/Check; the probe passes the watched servers at once without a call.
 *
 * Aggregate state follows grpc's round_robin: READY if one subchannel is READY; else CONNECTING
 * if one is connecting or idle; else TRANSIENT_FAILURE with the last failure. A subchannel that
 * went to TRANSIENT_FAILURE counts as failed until it is READY again ("sticky" transient
 * failure), so the channel does not flap to CONNECTING on each reconnect attempt. A READY
 * subchannel waiting for its first health answer counts as connecting, one not serving as failed.
 */
/*
 * Why one file of over 400 lines: it is the policy's one state machine in the synchronization
 * context (children, config, balancers, aggregate state), and about 40 lines are the notes above.
 * What does a job of its own lives beside it (the other files the notes name), and the config
 * in PolicyConfig and its parser.
 */
final class LbkitLoadBalancer extends LoadBalancer {

    private final Helper helper;
    private final Ticker ticker;
    private final DynamicEndpointGroup readyGroup = EndpointGroup.dynamic();
    /** By endpoint address, in resolution order. */
    private final Map<String, ChildSubchannel> children = new LinkedHashMap<>();
    /**
     * The READY subchannels whose servers have no {@code Health/Watch} (verdict POLLED), by
     * address: the ones the active check polls with {@code Health/Check}. Written in the context,
     * read by the probe on the core's scheduler.
     */
    private volatile Map<String, Subchannel> polledSubchannels = Map.of();
    /** The service the health watches ask about; null: health checking is off. */
    private String watchedService;
    private PolicyConfig config;
    /** The balancer: over readyGroup without a split, else the split over the routes. */
    private io.lbkit.LoadBalancer balancer;
    /** With a split: its routes (null without). */
    private SplitRoutes routes;
    private ConnectivityState currentState;
    private Status lastFailure = Status.UNAVAILABLE.withDescription("no address resolved yet");
    private boolean shutdown;

    LbkitLoadBalancer(Helper helper) {
        this(helper, Ticker.system());
    }

    LbkitLoadBalancer(Helper helper, Ticker ticker) {
        this.helper = requireNonNull(helper, "helper");
        this.ticker = requireNonNull(ticker, "ticker");
    }

    @Override
    public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
        if (shutdown) {
            return Status.OK;
        }
        Object c = resolved.getLoadBalancingPolicyConfig();
        PolicyConfig next = c instanceof PolicyConfig ? (PolicyConfig) c : PolicyConfig.DEFAULT;
        if (!next.equals(config)) {
            if (next.sameBalancers(config)) {
                // Only the local zone or the split's weights changed: keep the balancers and
                // their state; publish() below hands the new weights to the split.
                if (!java.util.Objects.equals(next.localZone(), config.localZone())) {
                    balancer.locality(next.localZone(), null);
                }
                config = next;
            } else {
                // A new config needs a new balancer; per-endpoint state starts afresh with it.
                closeBalancers();
                config = next;
                buildBalancers(next);
            }
            updateWatches();
        }

        Map<String, ResolvedAddress> wanted = new LinkedHashMap<>();
        for (EquivalentAddressGroup eag : resolved.getAddresses()) {
            ResolvedAddress r = ResolvedAddress.of(eag);
            wanted.putIfAbsent(r.endpoint().address(), r);
        }
        if (wanted.isEmpty()) {
            for (ChildSubchannel child : children.values()) {
                child.shutdown();
            }
            children.clear();
            Status error = Status.UNAVAILABLE.withDescription(
                    "the name resolver returned no address: " + resolved);
            lastFailure = error;
            publish();
            return error;
        }

        for (Iterator<Map.Entry<String, ChildSubchannel>> it = children.entrySet().iterator();
                it.hasNext();) {
            Map.Entry<String, ChildSubchannel> e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().shutdown();
                it.remove();
            }
        }
        Map<String, ChildSubchannel> ordered = new LinkedHashMap<>();
        for (ResolvedAddress r : wanted.values()) {
            ChildSubchannel child = children.get(r.endpoint().address());
            if (child == null) {
                child = newChild(r);
            } else {
                child.endpoint = r.endpoint(); // a new weight, zone or priority
                if (!child.subchannel.getAllAddresses().equals(List.of(r.eag()))) {
                    child.subchannel.updateAddresses(List.of(r.eag()));
                }
            }
            ordered.put(r.endpoint().address(), child);
        }
        children.clear();
        children.putAll(ordered);
        publish();
        return Status.OK;
    }

    private void buildBalancers(PolicyConfig next) {
        HealthProbe probe = null;
        if (next.health() != null) {
            // Servers with Health/Watch are judged by their stream (their endpoints leave the
            // READY set); the active check passes them at once and polls Check on the others.
            GrpcHealthProbe check = new GrpcHealthProbe(next.health().serviceName(),
                    next.health().timeout(), endpoint -> null);
            probe = endpoint -> {
                Subchannel sc = polledSubchannels.get(endpoint.address());
                return sc == null ? CompletableFuture.completedFuture(true)
                        : check.check(endpoint, sc.asChannel());
            };
        }
        HealthProbe p = probe;
        if (next.split() == null) {
            balancer = newBalancer(readyGroup, next, p);
        } else {
            routes = new SplitRoutes(next.split(), group -> newBalancer(group, next, p));
            balancer = routes.split();
        }
    }

    private io.lbkit.LoadBalancer newBalancer(EndpointGroup group, PolicyConfig next,
            HealthProbe probe) {
        io.lbkit.LoadBalancer.Builder b = io.lbkit.LoadBalancer.builder(group)
                .ticker(ticker)
                .healthListener(event -> onHealthEvent());
        next.apply(b, probe);
        return b.build();
    }

    /** Closes the balancer (a split closes its routes' balancers) and the routes' groups. */
    private void closeBalancers() {
        if (routes != null) {
            routes.close();
            routes = null;
        } else if (balancer != null) {
            balancer.close();
        }
        balancer = null;
    }

    private ChildSubchannel newChild(ResolvedAddress r) {
        Subchannel sc = helper.createSubchannel(CreateSubchannelArgs.newBuilder()
                .setAddresses(r.eag())
                .build());
        ChildSubchannel child = new ChildSubchannel(r.endpoint(), sc);
        if (watchedService != null) {
            child.watch = newWatch(child, watchedService);
        }
        sc.start(info -> onSubchannelState(child, info));
        sc.requestConnection();
        return child;
    }

    private HealthWatch newWatch(ChildSubchannel child, String service) {
        return new HealthWatch(child.subchannel, child.endpoint.address(), service,
                helper.getSynchronizationContext(), helper.getScheduledExecutorService(),
                new Backoff(() -> ThreadLocalRandom.current().nextDouble()), () -> {
                    if (!shutdown && children.get(child.endpoint.address()) == child) {
                        publish();
                    }
                });
    }

    /**
     * Follows the config's health checking: a watch per subchannel (started on the READY ones)
     * when it is on, none when it is off; new watches when the service name changed.
     */
    private void updateWatches() {
        String service = config.health() == null ? null : config.health().serviceName();
        if (java.util.Objects.equals(service, watchedService)) {
            return;
        }
        watchedService = service;
        for (ChildSubchannel child : children.values()) {
            if (child.watch != null) {
                child.watch.stop();
            }
            child.watch = service == null ? null : newWatch(child, service);
            if (child.watch != null && child.state == ConnectivityState.READY) {
                child.watch.start();
            }
        }
    }

    private void onSubchannelState(ChildSubchannel child, ConnectivityStateInfo info) {
        if (shutdown || children.get(child.endpoint.address()) != child) {
            return; // removed meanwhile
        }
        ConnectivityState s = info.getState();
        if (s == ConnectivityState.SHUTDOWN) {
            return;
        }
        if (s == ConnectivityState.TRANSIENT_FAILURE) {
            child.failed = true;
            child.failure = info.getStatus();
            lastFailure = info.getStatus();
            helper.refreshNameResolution();
        } else if (s == ConnectivityState.READY) {
            child.failed = false;
            if (child.watch != null) {
                child.watch.start(); // the verdict stays UNKNOWN (calls wait) until it answers
            }
        } else if (s == ConnectivityState.IDLE) {
            // grpc leaves an idle subchannel idle: the policy reconnects it, as round_robin does.
            child.failed = false;
            helper.refreshNameResolution();
            child.subchannel.requestConnection();
        }
        if (s != ConnectivityState.READY && child.watch != null) {
            child.watch.stop();
        }
        child.state = s;
        publish();
    }

    /** Publishes the READY set to the balancer and a matching picker to grpc. */
    private void publish() {
        List<Endpoint> ready = new ArrayList<>();
        Map<String, Subchannel> readyNow = new HashMap<>();
        Map<String, Subchannel> polledNow = new HashMap<>();
        boolean connecting = false;
        int notServing = 0;
        Status healthFailure = null;
        for (ChildSubchannel child : children.values()) {
            if (child.serving()) {
                ready.add(child.endpoint);
                readyNow.put(child.endpoint.address(), child.subchannel);
                if (child.polled()) {
                    polledNow.put(child.endpoint.address(), child.subchannel);
                }
            } else if (child.connecting()) {
                connecting = true;
            } else if (child.state == ConnectivityState.READY) {
                notServing++;
                healthFailure = child.failure();
            }
        }
        Map<String, Subchannel> readyMap = Map.copyOf(readyNow);
        // Before the READY set: the balancer checks joining endpoints at once.
        this.polledSubchannels = Map.copyOf(polledNow);
        SubchannelPicker readyPicker;
        if (routes != null) {
            readyPicker = routes.publish(ready, children.values(), readyMap, config, ticker);
        } else {
            readyGroup.set(ready);
            readyPicker = ready.isEmpty() ? null
                    : new ReadyPicker(balancer, readyMap, config, ticker);
        }
        if (!ready.isEmpty()) {
            update(ConnectivityState.READY, readyPicker);
        } else if (connecting) {
            update(ConnectivityState.CONNECTING, new FixedPicker(PickResult.withNoResult()));
        } else {
            Status error;
            if (children.isEmpty()) {
                error = lastFailure;
            } else if (notServing == 0) {
                error = Status.UNAVAILABLE.withDescription("all " + children.size()
                        + " subchannels are in TRANSIENT_FAILURE; last failure: "
                        + lastFailure).withCause(lastFailure.getCause());
            } else {
                error = Status.UNAVAILABLE.withDescription("no server is serving: "
                        + notServing + " of " + children.size() + " not serving by their health"
                        + " service, the last with " + healthFailure
                        + (notServing == children.size() ? ""
                                : "; the others in TRANSIENT_FAILURE, the last with "
                                        + lastFailure));
            }
            update(ConnectivityState.TRANSIENT_FAILURE, new FixedPicker(PickResult.withError(error)));
        }
    }


    /**
     * An endpoint was ejected, restored, marked down or up: the balancer's table changed without
     * the policy. A new picker (over the same table) lets grpc re-process calls that wait, for
     * example wait-for-ready calls that found no healthy endpoint. Hops to grpc's scheduler first:
     * the balancer calls this under its own lock, and the context may run the task at once.
     */
    private void onHealthEvent() {
        SynchronizationContext sync = helper.getSynchronizationContext();
        try {
            sync.schedule(() -> {
                if (!shutdown && currentState == ConnectivityState.READY) {
                    publish();
                }
            }, 0, TimeUnit.NANOSECONDS, helper.getScheduledExecutorService());
        } catch (RejectedExecutionException e) {
            // The channel is terminating: there is no call left to re-process.
        }
    }

    private void update(ConnectivityState state, SubchannelPicker picker) {
        currentState = state;
        helper.updateBalancingState(state, picker);
    }

    @Override
    public void handleNameResolutionError(Status error) {
        if (shutdown) {
            return;
        }
        // Keep serving the last good set; fail calls only when there is nothing to serve with.
        if (currentState != ConnectivityState.READY) {
            lastFailure = error;
            if (children.isEmpty()) {
                update(ConnectivityState.TRANSIENT_FAILURE,
                        new FixedPicker(PickResult.withError(error)));
            }
        }
    }

    @Override
    public void requestConnection() {
        for (ChildSubchannel child : children.values()) {
            if (child.state == ConnectivityState.IDLE) {
                child.subchannel.requestConnection();
            }
        }
    }

    @Override
    public void shutdown() {
        if (shutdown) {
            return;
        }
        shutdown = true;
        for (ChildSubchannel child : children.values()) {
            child.shutdown();
        }
        children.clear();
        closeBalancers();
        readyGroup.close();
    }

    @Override
    public String toString() {
        return "LbkitLoadBalancer[" + config + ", " + children.keySet() + "]";
    }

}
