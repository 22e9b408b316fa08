package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.strategy.Strategy;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrafficSplitTest {

    private static final Endpoint STABLE = Endpoint.of("10.0.0.1", 80);
    private static final Endpoint CANARY = Endpoint.of("10.0.1.1", 80);

    private static TrafficSplit split(int stable, int canary) {
        return TrafficSplit.builder()
                .route("stable", LoadBalancer.builder(EndpointGroup.of(STABLE))
                        .strategy(Strategy.roundRobin()).build(), stable)
                .route("canary", LoadBalancer.builder(EndpointGroup.of(CANARY))
                        .strategy(Strategy.roundRobin()).build(), canary)
                .build();
    }

    private static double canaryShare(TrafficSplit split, int picks) {
        int canary = 0;
        for (int i = 0; i < picks; i++) {
            Pick p = split.pick();
            if (p.endpoint().equals(CANARY)) {
                canary++;
            }
            p.onSuccess(0);
        }
        return (double) canary / picks;
    }

    @Test
    void pick_followsTheWeights() {
        int picks = 40_000;
        double sixSigma = 6 * Math.sqrt(0.05 * 0.95 / picks);
        assertEquals(0.05, canaryShare(split(95, 5), picks), sixSigma);
    }

    @Test
    void weights_switchAtRunTime_blueGreen() {
        TrafficSplit split = split(100, 0);
        assertEquals(0.0, canaryShare(split, 1_000), 0.0);
        split.weights(Map.of("stable", 0, "canary", 100));
        assertEquals(1.0, canaryShare(split, 1_000), 0.0);
        assertEquals(Map.of("stable", 0, "canary", 100), split.weights());
    }

    @Test
    void pickWithKey_isStickyAndAWeightChangeMovesOnlyKeysThatMustMove() {
        TrafficSplit split = split(95, 5);
        Map<Long, Endpoint> before = new HashMap<>();
        for (long key = 0; key < 10_000; key++) {
            Pick p = split.pick(key);
            before.put(key, p.endpoint());
            p.release();
        }
        for (int round = 0; round < 3; round++) {
            for (long key = 0; key < 10_000; key++) {
                Pick p = split.pick(key);
                assertEquals(before.get(key), p.endpoint());
                p.release();
            }
        }
        split.weights(Map.of("stable", 90, "canary", 10));
        int moved = 0;
        for (long key = 0; key < 10_000; key++) {
            Pick p = split.pick(key);
            if (!p.endpoint().equals(before.get(key))) {
                assertEquals(CANARY, p.endpoint(), "growing the canary never moves keys off it");
                moved++;
            }
            p.release();
        }
        // About 5% of keys change hands; a hash that reshuffled would move ~14%.
        assertTrue(moved > 300 && moved < 700, "moved " + moved);
    }

    @Test
    void route_returnsTheNamedBalancerForAttributeRouting() {
        TrafficSplit split = split(100, 0);
        assertEquals(CANARY, split.route("canary").pick().endpoint());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> split.route("blue"));
        assertEquals("no route named blue; routes are [stable, canary]", e.getMessage());
    }

    @Test
    void pick_fallsBackToAnotherWeightedRouteWhenTheDrawnOneHasNoEndpoint_routeDoesNot() {
        DynamicEndpointGroup canaryGroup = EndpointGroup.dynamic(CANARY);
        LoadBalancer empty = LoadBalancer.builder(EndpointGroup.dynamic()).build();
        TrafficSplit split = TrafficSplit.builder()
                .route("stable", LoadBalancer.of(EndpointGroup.of(STABLE)), 50)
                .route("canary", LoadBalancer.of(canaryGroup), 50)
                .route("dark", empty, 0)
                .build();
        canaryGroup.set(java.util.List.of()); // the canary lost its endpoints
        for (int i = 0; i < 200; i++) {
            Pick p = i % 4 == 0 ? split.pick() : i % 4 == 1 ? split.pick((long) i)
                    : i % 4 == 2 ? split.pick("user-" + i) : split.pick(new byte[] {(byte) i});
            assertEquals(STABLE, p.endpoint(), "pick " + i + " falls back to stable");
            p.onSuccess(0);
        }
        NoEndpointAvailableException routed = assertThrows(NoEndpointAvailableException.class,
                () -> split.route("canary").pick());
        assertEquals(NoEndpointAvailableException.Reason.EMPTY, routed.reason());

        // With no route able to take it, a pick fails with the drawn route's reason; a route of
        // weight 0 is never a fallback.
        TrafficSplit none = TrafficSplit.builder()
                .route("canary", LoadBalancer.of(canaryGroup), 100)
                .route("stable", LoadBalancer.of(EndpointGroup.of(STABLE)), 0)
                .build();
        NoEndpointAvailableException e = assertThrows(NoEndpointAvailableException.class,
                none::pick);
        assertEquals(NoEndpointAvailableException.Reason.EMPTY, e.reason());
        split.close();
        none.close();
    }

    @Test
    void validation_namesTheProblem() {
        LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(STABLE));
        assertThrows(IllegalStateException.class, () -> TrafficSplit.builder().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrafficSplit.builder().route("a", lb, -1));
        assertEquals("weight of route a must be in 0..1000000, was -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrafficSplit.builder().route("a", lb, 0).build());
        assertEquals("at least one route weight must be positive", e.getMessage());
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> TrafficSplit.builder().route("a", lb, 1).route("a", lb, 2));
        assertEquals("route a was already added", twice.getMessage());
        TrafficSplit split = split(1, 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> split.weights(Map.of("stable", 1)));
        assertTrue(e.getMessage().startsWith("weights must name exactly the routes"));
        assertEquals(Set.of("stable", "canary"), split.weights().keySet());
    }
}
