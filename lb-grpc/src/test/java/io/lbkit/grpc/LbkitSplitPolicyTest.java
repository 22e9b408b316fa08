package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Metadata;
import io.grpc.Status;
import io.lbkit.Endpoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The policy with a traffic split: header-routed calls reach their route, others split by weight;
 * a route without ready endpoints fails or waits as documented; new weights keep the balancers.
 * Against the fake helper of {@link PolicyFixture}.
 */
class LbkitSplitPolicyTest extends PolicyFixture {

    private static final Map<String, ?> CANARY_SPLIT = Map.of("strategy", "round_robin",
            "split", Map.of("attribute", "track",
                    "routes", List.of(Map.of("name", "stable", "weight", 1.0),
                            Map.of("name", "canary", "weight", 1.0)),
                    "header", "x-canary",
                    "values", Map.of("1", "canary")));

    /** Stable weight 1, canary weight 0: the canary gets header-routed calls only. */
    private static Map<String, ?> weightZeroCanary() {
        return Map.of("split", Map.of("attribute", "track",
                "routes", List.of(Map.of("name", "stable", "weight", 1.0),
                        Map.of("name", "canary", "weight", 0.0)),
                "header", "x-canary", "values", Map.of("1", "canary")));
    }

    private static EquivalentAddressGroup tracked(int port, String track) {
        return withEndpoint(Endpoint.builder("127.0.0.1", port).attribute("track", track).build());
    }

    private static PickSubchannelArgs withHeader(String name, String value) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
        return argsWith(CallOptions.DEFAULT, headers);
    }

    private static final PickSubchannelArgs CANARY = withHeader("x-canary", "1");

    /** Stable on ports 1 and 2 (2 without the attribute: the default route), canary on 3. */
    private void acceptCanarySplit(Map<String, ?> config) {
        accept(config, tracked(1, "stable"), eag(2), tracked(3, "canary"));
    }

    private java.util.TreeMap<Integer, Integer> portCounts(SubchannelPicker picker,
            PickSubchannelArgs args, int picks) {
        java.util.TreeMap<Integer, Integer> counts = new java.util.TreeMap<>();
        for (int i = 0; i < picks; i++) {
            PickResult r = picker.pickSubchannel(args);
            assertTrue(r.getStatus().isOk() && r.getSubchannel() != null, r.toString());
            counts.merge(port(r), 1, Integer::sum);
            close(r, Status.OK);
        }
        return counts;
    }

    @Test
    void split_headerRoutedCallsReachTheirRoute_othersSplitOverAll() {
        acceptCanarySplit(CANARY_SPLIT);
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);

        assertEquals(ConnectivityState.READY, helper.state);
        assertTrue(helper.picker instanceof SplitPicker, helper.picker.toString());
        assertEquals(Map.of(3, 50), portCounts(helper.picker, CANARY, 50));
        // "0" maps to no route: split by weight, like a call without the header
        Map<Integer, Integer> unrouted = portCounts(helper.picker, withHeader("x-canary", "0"), 400);
        assertEquals(java.util.Set.of(1, 2, 3), unrouted.keySet(), unrouted.toString());
        int canary = unrouted.get(3);
        // 400 draws at p = 1/2: mean 200, sd 10; +-5 sd
        assertTrue(canary > 150 && canary < 250, unrouted.toString());
        assertEquals(unrouted.get(1), unrouted.get(2), 1, "round robin within stable");
    }

    @Test
    void split_routeWithoutReadyEndpoint_failsItsHeaderRoutedCallsFast_othersGoToTheRest() {
        acceptCanarySplit(CANARY_SPLIT);
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.TRANSIENT_FAILURE);

        PickResult r = helper.picker.pickSubchannel(CANARY);
        assertEquals(Status.Code.UNAVAILABLE, r.getStatus().getCode(), r.toString());
        assertTrue(r.getStatus().getDescription().startsWith(
                "route canary has no ready endpoint (1 in TRANSIENT_FAILURE"), r.toString());
        assertEquals(java.util.Set.of(1, 2), portCounts(helper.picker, ARGS, 100).keySet(),
                "the canary's weight goes to stable while it has no READY endpoint");
        assertEquals(Map.of("stable", 1, "canary", 0),
                ((SplitPicker) helper.picker).split().weights());

        state(3, ConnectivityState.READY);
        assertEquals(Map.of(3, 10), portCounts(helper.picker, CANARY, 10));
        assertTrue(portCounts(helper.picker, ARGS, 100).containsKey(3), "its weight is back");
    }

    @Test
    void split_routeWithNoEndpointAtAll_failsItsHeaderRoutedCallsFast() {
        accept(CANARY_SPLIT, tracked(1, "stable"));
        state(1, ConnectivityState.READY);

        PickResult r = helper.picker.pickSubchannel(CANARY);
        assertEquals(Status.Code.UNAVAILABLE, r.getStatus().getCode(), r.toString());
        assertEquals("route canary has no ready endpoint (no endpoint has track=canary)",
                r.getStatus().getDescription());
        assertEquals(Map.of(1, 20), portCounts(helper.picker, ARGS, 20));
    }

    @Test
    void split_routeStillConnecting_letsItsHeaderRoutedCallsWait_othersGoToTheReadyRoutes() {
        acceptCanarySplit(CANARY_SPLIT);
        state(1, ConnectivityState.READY); // 2 and 3 are still connecting

        assertFalse(helper.picker.pickSubchannel(CANARY).hasResult(), "waits for the canary");
        assertEquals(Map.of(1, 20), portCounts(helper.picker, ARGS, 20));

        state(3, ConnectivityState.TRANSIENT_FAILURE);
        assertEquals(Status.Code.UNAVAILABLE, helper.picker.pickSubchannel(CANARY).getStatus()
                .getCode(), "failed: header-routed calls fail fast");
        state(3, ConnectivityState.CONNECTING);
        assertEquals(Status.Code.UNAVAILABLE, helper.picker.pickSubchannel(CANARY).getStatus()
                .getCode(), "still failed while it reconnects (sticky transient failure)");
    }

    @Test
    void split_noRouteOfPositiveWeightReady_weightedCallsWaitWhileOneConnects() {
        acceptCanarySplit(weightZeroCanary());
        state(3, ConnectivityState.READY); // only the weight-0 canary

        assertFalse(helper.picker.pickSubchannel(ARGS).hasResult(), "stable is connecting: wait");
        assertEquals(Map.of(3, 5), portCounts(helper.picker, CANARY, 5));
        state(1, ConnectivityState.READY);
        assertEquals(Map.of(1, 10), portCounts(helper.picker, ARGS, 10));
    }

    @Test
    void split_weightZeroRoute_getsOnlyHeaderRoutedCalls_andNotTheOthersWhenTheyHaveNoEndpoint() {
        acceptCanarySplit(weightZeroCanary());
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);
        assertFalse(portCounts(helper.picker, ARGS, 100).containsKey(3));
        assertEquals(Map.of(3, 5), portCounts(helper.picker, CANARY, 5));

        state(1, ConnectivityState.TRANSIENT_FAILURE);
        state(2, ConnectivityState.TRANSIENT_FAILURE);
        PickResult r = helper.picker.pickSubchannel(ARGS);
        assertEquals(Status.Code.UNAVAILABLE, r.getStatus().getCode(), r.toString());
        assertTrue(r.getStatus().getDescription().startsWith(
                "no route of positive weight has a ready endpoint"), r.toString());
        assertEquals(Map.of(3, 5), portCounts(helper.picker, CANARY, 5));
    }

    @Test
    void split_headerNamingTheRoute_whenNoValuesAreConfigured() {
        Map<String, ?> config = Map.of("split", Map.of("attribute", "track",
                "routes", List.of(Map.of("name", "stable", "weight", 1.0),
                        Map.of("name", "canary", "weight", 1.0)),
                "header", "x-track"));
        acceptCanarySplit(config);
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);
        assertEquals(Map.of(3, 10), portCounts(helper.picker, withHeader("x-track", "canary"), 10));
        assertFalse(portCounts(helper.picker, withHeader("x-track", "stable"), 50).containsKey(3));
    }

    @Test
    void split_newWeightsOnly_keepTheBalancersAndTakeEffect() {
        acceptCanarySplit(CANARY_SPLIT);
        state(1, ConnectivityState.READY);
        state(2, ConnectivityState.READY);
        state(3, ConnectivityState.READY);
        SplitPicker before = (SplitPicker) helper.picker;
        PickResult inFlight = before.pickSubchannel(CANARY);

        Map<String, Object> promoted = new java.util.HashMap<>(CANARY_SPLIT);
        promoted.put("split", Map.of("attribute", "track",
                "routes", List.of(Map.of("name", "stable", "weight", 0.0),
                        Map.of("name", "canary", "weight", 1.0)),
                "header", "x-canary", "values", Map.of("1", "canary")));
        acceptCanarySplit(promoted);

        SplitPicker after = (SplitPicker) helper.picker;
        assertSame(before.split(), after.split(), "same balancers: per-endpoint state carries over");
        assertEquals(Map.of("stable", 0, "canary", 1), after.split().weights());
        assertEquals(1, after.split().route("canary").stats().get(0).inFlight(),
                "the call picked before the change is still counted");
        close(inFlight, Status.OK);
        assertEquals(Map.of(3, 50), portCounts(helper.picker, ARGS, 50));

        acceptCanarySplit(Map.of("strategy", "random", "split", CANARY_SPLIT.get("split")));
        assertFalse(after.split() == ((SplitPicker) helper.picker).split(), "a new strategy: new balancers");
        acceptCanarySplit(Map.of("strategy", "round_robin"));
        assertTrue(helper.picker instanceof ReadyPicker, "no split: the plain picker again");
    }
}
