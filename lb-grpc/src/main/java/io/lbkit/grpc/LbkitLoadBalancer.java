package io.lbkit.grpc;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
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
import io.lbkit.TrafficSplit;
import io.lbkit.health.HealthProbe;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
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
 * With a split (SplitConfig), each route has its own DynamicEndpointGroup and balancer
 * (same options, same health listener and probe), combined in a TrafficSplit; publish() sorts
 * the READY endpoints into the routes by their attribute, gives the split the weights of the
 * routes that have READY endpoints, and publishes a SplitPicker that knows which routes have
 * none (see publishRoutes). A config that changes only the weights keeps every balancer.
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
final class LbkitLoadBalancer extends LoadBalancer {

    private final Helper helper;
    private final Ticker ticker;
    private final DynamicEndpointGroup readyGroup = EndpointGroup.dynamic();
    /** By endpoint address, in resolution order. */
    private final Map<String, Child> children = new LinkedHashMap<>();
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
    /** With a split: the routes, in config order (null without). */
    private Route[] routes;
    private TrafficSplit split;
    /** The weights last given to the split. */
    private int[] appliedWeights;
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

        Map<String, Resolved> wanted = new LinkedHashMap<>();
        for (EquivalentAddressGroup eag : resolved.getAddresses()) {
            Resolved r = Resolved.of(eag);
            wanted.putIfAbsent(r.endpoint.address(), r);
        }
        if (wanted.isEmpty()) {
            for (Child child : children.values()) {
                child.shutdown();
            }
            children.clear();
            Status error = Status.UNAVAILABLE.withDescription(
                    "the name resolver returned no address: " + resolved);
            lastFailure = error;
            publish();
            return error;
        }

        for (Iterator<Map.Entry<String, Child>> it = children.entrySet().iterator();
                it.hasNext();) {
            Map.Entry<String, Child> e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().shutdown();
                it.remove();
            }
        }
        Map<String, Child> ordered = new LinkedHashMap<>();
        for (Resolved r : wanted.values()) {
            Child child = children.get(r.endpoint.address());
            if (child == null) {
                child = newChild(r);
            } else {
                child.endpoint = r.endpoint; // a new weight, zone or priority
                if (!child.subchannel.getAllAddresses().equals(List.of(r.eag))) {
                    child.subchannel.updateAddresses(List.of(r.eag));
                }
            }
            ordered.put(r.endpoint.address(), child);
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
        SplitConfig s = next.split();
        if (s == null) {
            balancer = newBalancer(readyGroup, next, probe);
            return;
        }
        // One group and balancer per route, all with the same options, health listener and
        // probe. Every route starts at weight 0 but the first (TrafficSplit needs a positive
        // weight); publish() sets the weights of the routes that have READY endpoints.
        routes = new Route[s.size()];
        TrafficSplit.Builder b = TrafficSplit.builder();
        appliedWeights = new int[s.size()];
        for (int i = 0; i < routes.length; i++) {
            DynamicEndpointGroup group = EndpointGroup.dynamic();
            routes[i] = new Route(s.names().get(i), group, newBalancer(group, next, probe));
            appliedWeights[i] = i == 0 ? 1 : 0;
            b.route(routes[i].name, routes[i].balancer, appliedWeights[i]);
        }
        split = b.build();
        balancer = split;
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
        if (balancer != null) {
            balancer.close();
            balancer = null;
        }
        if (routes != null) {
            for (Route r : routes) {
                r.group.close();
            }
            routes = null;
            split = null;
            appliedWeights = null;
        }
    }

    private Child newChild(Resolved r) {
        Subchannel sc = helper.createSubchannel(CreateSubchannelArgs.newBuilder()
                .setAddresses(r.eag)
                .build());
        Child child = new Child(r.endpoint, sc);
        if (watchedService != null) {
            child.watch = newWatch(child, watchedService);
        }
        sc.start(info -> onSubchannelState(child, info));
        sc.requestConnection();
        return child;
    }

    private HealthWatch newWatch(Child child, String service) {
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
        for (Child child : children.values()) {
            if (child.watch != null) {
                child.watch.stop();
            }
            child.watch = service == null ? null : newWatch(child, service);
            if (child.watch != null && child.state == ConnectivityState.READY) {
                child.watch.start();
            }
        }
    }

    private void onSubchannelState(Child child, ConnectivityStateInfo info) {
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
        for (Child child : children.values()) {
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
        if (split != null) {
            readyPicker = publishRoutes(ready, readyMap);
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
     * Sorts the READY endpoints into their routes and sets each route's group; gives the split
     * the configured weights of the routes that have READY endpoints (0 to the others); and
     * returns the picker for that state.
     *
     * <p>So calls split by weight are drawn only among routes with READY endpoints: the weight of
     * a route without one is shared by the others in proportion, and no pick meets an empty
     * route (the split's own fallback, which throws and catches an exception per pick, is left
     * for routes whose READY endpoints are all ejected, down or at their cap). When no route of
     * positive weight has a READY endpoint, the configured weights stay and the picker fails
     * those calls fast, or lets them wait while such a route is connecting.
     */
    private SubchannelPicker publishRoutes(List<Endpoint> ready, Map<String, Subchannel> readyMap) {
        SplitConfig s = config.split();
        int n = routes.length;
        List<List<Endpoint>> byRoute = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byRoute.add(new ArrayList<>());
        }
        for (Endpoint e : ready) {
            byRoute.get(s.routeOf(e)).add(e);
        }
        int[] connectingCount = new int[n];
        int[] failedCount = new int[n];
        Status[] failure = new Status[n];
        for (Child child : children.values()) {
            int r = s.routeOf(child.endpoint);
            if (child.serving()) {
                continue; // counted in byRoute
            }
            if (child.connecting()) {
                connectingCount[r]++;
            } else {
                failedCount[r]++;
                failure[r] = child.failure();
            }
        }

        int[] weights = new int[n];
        PickResult[] blocked = new PickResult[n]; // null: READY
        boolean weighted = false; // a route of positive weight has READY endpoints
        boolean waiting = false; // a route of positive weight is connecting
        for (int i = 0; i < n; i++) {
            boolean isReady = !byRoute.get(i).isEmpty();
            boolean isConnecting = !isReady && connectingCount[i] > 0;
            if (isReady) {
                weights[i] = s.weight(i);
                weighted |= weights[i] > 0;
            }
            waiting |= isConnecting && s.weight(i) > 0;
            if (isConnecting) {
                // The next picker comes when a subchannel is READY or fails: calls may wait.
                blocked[i] = PickResult.withNoResult();
            } else if (!isReady) {
                String why = failedCount[i] == 0
                        ? "no endpoint has " + s.attribute() + "=" + routes[i].name
                                + (i == 0 ? ", none or one naming no route" : "")
                        : failedCount[i] + " in TRANSIENT_FAILURE or not serving, the last with "
                                + failure[i];
                blocked[i] = PickResult.withError(Status.UNAVAILABLE.withDescription(
                        "route " + routes[i].name + " has no ready endpoint (" + why + ")"));
            }
        }
        if (!weighted) {
            for (int i = 0; i < n; i++) {
                weights[i] = s.weight(i);
            }
        }

        // Routes that gain endpoints get them before their weight, routes that lose their weight
        // lose it before their endpoints: a pick of an older picker then rarely meets an empty
        // route (and if it does, the split falls back to another route).
        for (int i = 0; i < n; i++) {
            if (!byRoute.get(i).isEmpty()) {
                routes[i].group.set(byRoute.get(i));
            }
        }
        if (!Arrays.equals(weights, appliedWeights)) {
            Map<String, Integer> w = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                w.put(routes[i].name, weights[i]);
            }
            split.weights(w);
            appliedWeights = weights;
        }
        for (int i = 0; i < n; i++) {
            if (byRoute.get(i).isEmpty()) {
                routes[i].group.set(List.of());
            }
        }

        PickResult unweighted = null;
        if (!weighted) {
            unweighted = waiting ? PickResult.withNoResult()
                    : PickResult.withError(Status.UNAVAILABLE.withDescription(
                            "no route of positive weight has a ready endpoint; the split is " + s));
        }
        io.lbkit.LoadBalancer[] balancers = new io.lbkit.LoadBalancer[n];
        for (int i = 0; i < n; i++) {
            balancers[i] = routes[i].balancer;
        }
        return new SplitPicker(split, balancers, blocked, unweighted, s, readyMap, config, ticker);
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
        for (Child child : children.values()) {
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
        for (Child child : children.values()) {
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

    /** One subchannel and what the policy knows about it. Confined to the context. */
    private static final class Child {
        Endpoint endpoint;
        final Subchannel subchannel;
        ConnectivityState state = ConnectivityState.IDLE;
        /** Sticky transient failure: set on TRANSIENT_FAILURE, cleared on READY or IDLE. */
        boolean failed;
        /** The status of the last TRANSIENT_FAILURE. */
        Status failure;
        /** The health watch; null while health checking is off. */
        HealthWatch watch;

        Child(Endpoint endpoint, Subchannel subchannel) {
            this.endpoint = endpoint;
            this.subchannel = subchannel;
        }

        /** READY, and serving by its health watch if there is one: calls may go here. */
        boolean serving() {
            if (state != ConnectivityState.READY) {
                return false;
            }
            if (watch == null) {
                return true;
            }
            HealthWatch.Verdict v = watch.verdict();
            return v == HealthWatch.Verdict.SERVING || v == HealthWatch.Verdict.POLLED;
        }

        /** Serving, with its health left to the active check (its server has no Watch). */
        boolean polled() {
            return watch != null && watch.verdict() == HealthWatch.Verdict.POLLED;
        }

        /**
         * Not serving, but may soon: connecting (not failed since it was last READY), or READY
         * and waiting for its first health answer. Calls may wait for it.
         */
        boolean connecting() {
            if (state == ConnectivityState.READY) {
                return watch != null && watch.verdict() == HealthWatch.Verdict.UNKNOWN;
            }
            return !failed;
        }

        /** Why a child that is neither serving nor connecting is out. */
        Status failure() {
            return state == ConnectivityState.READY ? watch.reason() : failure;
        }

        /** Stops the health watch (cancelling its stream) and shuts the subchannel down. */
        void shutdown() {
            if (watch != null) {
                watch.stop();
            }
            subchannel.shutdown();
        }
    }

    /** One route of a split: its name, its READY endpoints and its balancer over them. */
    private static final class Route {
        final String name;
        final DynamicEndpointGroup group;
        final io.lbkit.LoadBalancer balancer;

        Route(String name, DynamicEndpointGroup group, io.lbkit.LoadBalancer balancer) {
            this.name = name;
            this.group = group;
            this.balancer = balancer;
        }
    }

    /** An address group and the lbkit endpoint it stands for. */
    private static final class Resolved {
        final EquivalentAddressGroup eag;
        final Endpoint endpoint;

        private Resolved(EquivalentAddressGroup eag, Endpoint endpoint) {
            this.eag = eag;
            this.endpoint = endpoint;
        }

        /**
         * The endpoint an lbkit resolver attached, or one made from the first socket address
         * (weight from {@link LbkitGrpc#WEIGHT} if set) for addresses from other resolvers.
         */
        static Resolved of(EquivalentAddressGroup eag) {
            Attributes a = eag.getAttributes();
            Endpoint e = a.get(LbkitGrpc.ENDPOINT);
            if (e == null) {
                SocketAddress first = eag.getAddresses().get(0);
                Endpoint.Builder b;
                if (first instanceof InetSocketAddress) {
                    InetSocketAddress inet = (InetSocketAddress) first;
                    // The IP, not getHostString(): grpc's DNS resolver attaches the looked-up
                    // name to every address, which would make them all one endpoint.
                    String host = inet.isUnresolved() ? inet.getHostString()
                            : inet.getAddress().getHostAddress();
                    b = Endpoint.builder(host, inet.getPort());
                } else {
                    // Not an IP address (in-process, Unix socket): its text is its identity,
                    // made a valid host name (a path's '/' and the like are not).
                    b = Endpoint.builder(hostFor(first.toString()), 1);
                }
                Integer weight = a.get(LbkitGrpc.WEIGHT);
                if (weight != null) {
                    b.weight(Math.max(Endpoint.MIN_WEIGHT, Math.min(Endpoint.MAX_WEIGHT, weight)));
                }
                e = b.build();
            }
            return new Resolved(eag, e);
        }
    }

    /**
     * A host name standing for a non-IP address's text: the text with every character other than
     * a letter, digit, '.', '-' or '_' replaced by '_', lower-cased (Endpoint hosts are), and a
     * hash of the exact text appended so that texts differing only there stay distinct.
     */
    static String hostFor(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 9);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_';
            sb.append(plain ? Character.toLowerCase(c) : '_');
        }
        return sb.append('-').append(Integer.toHexString(text.hashCode())).toString();
    }

    /** A picker that always gives the same result. Immutable. */
    static final class FixedPicker extends SubchannelPicker {
        private final PickResult result;

        FixedPicker(PickResult result) {
            this.result = result;
        }

        @Override
        public PickResult pickSubchannel(PickSubchannelArgs args) {
            return result;
        }

        @Override
        public String toString() {
            return "FixedPicker[" + result + "]";
        }
    }
}
