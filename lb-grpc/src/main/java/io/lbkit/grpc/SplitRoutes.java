package io.lbkit.grpc;

import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;
import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.Ticker;
import io.lbkit.TrafficSplit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The split routing of the {@code lbkit} policy (a config with {@code split}): a
 * {@link DynamicEndpointGroup} and an lbkit balancer per route, combined in a
 * {@link TrafficSplit}. Not thread-safe: confined to the channel's synchronization context, as
 * the policy is; the pickers it returns are immutable and thread-safe.
 */
final class SplitRoutes {

    /** The routes, in config order. */
    private final Route[] routes;
    private final TrafficSplit split;
    /** The weights last given to the split. */
    private int[] appliedWeights;

    /**
     * One group and balancer per route, all made by {@code newBalancer} (the same options, health
     * listener and probe). Every route starts at weight 0 but the first (TrafficSplit needs a
     * positive weight); {@link #publish} sets the weights of the routes that have READY endpoints.
     */
    SplitRoutes(SplitConfig config, Function<EndpointGroup, io.lbkit.LoadBalancer> newBalancer) {
        routes = new Route[config.size()];
        TrafficSplit.Builder b = TrafficSplit.builder();
        appliedWeights = new int[config.size()];
        for (int i = 0; i < routes.length; i++) {
            DynamicEndpointGroup group = EndpointGroup.dynamic();
            routes[i] = new Route(config.names().get(i), group, newBalancer.apply(group));
            appliedWeights[i] = i == 0 ? 1 : 0;
            b.route(routes[i].name, routes[i].balancer, appliedWeights[i]);
        }
        split = b.build();
    }

    /** The split over the routes' balancers: the policy's balancer. */
    TrafficSplit split() {
        return split;
    }

    /** Closes the split (which closes the routes' balancers) and the routes' groups. */
    void close() {
        split.close();
        for (Route r : routes) {
            r.group.close();
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
    SubchannelPicker publish(List<Endpoint> ready, Collection<ChildSubchannel> children,
            Map<String, Subchannel> readyMap, PolicyConfig config, Ticker ticker) {
        SplitConfig s = config.split(); // this config's weights: they may change in place
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
        for (ChildSubchannel child : children) {
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
}
