package io.lbkit.grpc;

import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Metadata;
import io.lbkit.Ticker;
import io.lbkit.TrafficSplit;
import java.util.Map;

/**
 * The picker of a policy with a traffic split: routes a call by its header to one route, or
 * splits it by weight, then picks within the route as {@link ReadyPicker} does. Immutable and
 * thread-safe; grpc calls {@link #pickSubchannel} from any thread.
 */
/*
 * Implementation notes.
 *
 * Everything a pick needs is decided at publication (LbkitLoadBalancer.publishRoutes): which
 * routes can take calls, the results for those that cannot (built once per picker, so a failed
 * call allocates nothing on lbkit's side), and the split's weights. A pick reads the header (grpc
 * parses the value), looks it up in a map of route indexes, and picks with the route's balancer
 * or with the split: no lock, no allocation beyond ReadyPicker's.
 */
final class SplitPicker extends SubchannelPicker {

    private final TrafficSplit split;
    private final io.lbkit.LoadBalancer[] routes; // by route index
    /** By route index: null if the route has READY endpoints, else what its calls get. */
    private final PickResult[] blocked;
    /** Null when some route of positive weight can take calls split by weight, else their result. */
    private final PickResult unweighted;
    private final SplitConfig config;
    private final Metadata.Key<String> header;
    private final Map<String, Subchannel> subchannels; // by Endpoint.address()
    private final PolicyConfig policy;
    private final Ticker ticker;

    SplitPicker(TrafficSplit split, io.lbkit.LoadBalancer[] routes, PickResult[] blocked,
            PickResult unweighted, SplitConfig config, Map<String, Subchannel> subchannels,
            PolicyConfig policy, Ticker ticker) {
        this.split = split;
        this.routes = routes.clone();
        this.blocked = blocked.clone();
        this.unweighted = unweighted;
        this.config = config;
        this.header = config.header();
        this.subchannels = subchannels;
        this.policy = policy;
        this.ticker = ticker;
    }

    @Override
    public PickResult pickSubchannel(PickSubchannelArgs args) {
        if (header != null) {
            String value = args.getHeaders().get(header);
            if (value != null) {
                int route = config.routeOfHeaderValue(value);
                if (route >= 0) {
                    PickResult b = blocked[route];
                    if (b != null) {
                        return b; // fails fast, or waits while the route is connecting
                    }
                    return ReadyPicker.pickWith(routes[route], args, subchannels, policy, ticker);
                }
            }
        }
        if (unweighted != null) {
            return unweighted;
        }
        return ReadyPicker.pickWith(split, args, subchannels, policy, ticker);
    }

    /** The split this picker picks with; for tests. */
    TrafficSplit split() {
        return split;
    }

    @Override
    public String toString() {
        return "SplitPicker[" + split + ", " + subchannels.keySet() + ", " + policy + "]";
    }
}
