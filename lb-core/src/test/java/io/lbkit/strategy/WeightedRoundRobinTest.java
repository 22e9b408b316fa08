package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightedRoundRobinTest {

    private static final Endpoint A = Endpoint.of("10.0.0.1", 80, 5);
    private static final Endpoint B = Endpoint.of("10.0.0.2", 80, 1);
    private static final Endpoint C = Endpoint.of("10.0.0.3", 80, 1);

    @Test
    void weights5_1_1_interleaveWithNoRunOfFive() {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A, B, C))
                .strategy(Strategy.weightedRoundRobin()).build()) {
            int run = 0;
            int longestRun = 0;
            Map<Endpoint, Integer> counts = new HashMap<>();
            for (int k = 0; k < 7 * 50; k++) { // 50 cycles, runs counted across cycle borders
                Pick p = lb.pick();
                p.onSuccess(1);
                counts.merge(p.endpoint(), 1, Integer::sum);
                run = p.endpoint().equals(A) ? run + 1 : 0;
                longestRun = Math.max(longestRun, run);
            }
            assertTrue(longestRun < 5, "A ran " + longestRun + " times in a row");
            assertEquals(Map.of(A, 250, B, 50, C, 50), counts);
        }
    }

    @Test
    void weights5_1_1_scheduleIsTheDocumentedOrder() {
        // Strategy.weightedRoundRobin()'s javadoc: a b a a a c a (a rotation of it, since each
        // thread starts at its own point of the cycle).
        assertArrayEquals(new int[] {0, 1, 0, 0, 0, 2, 0},
                WeightedRoundRobin.schedule(new int[] {5, 1, 1}));
    }

    @Test
    void schedule_dominantEndpointRunsNoLongerThanAnEvenSpread() {
        // Counterexamples of the earlier earliest-deadline-first schedule (runs of 50, 16 and 39):
        // now the heavy endpoint's runs are as short as its share allows, ⌈w / (T − w)⌉.
        assertEquals(34, longestRunOfEndpoint0(100, 2, 1));
        assertEquals(9, longestRunOfEndpoint0(50, 3, 2, 1));
        assertEquals(34, longestRunOfEndpoint0(100, 1, 1, 1));
    }

    @Test
    void schedule_ofEqualWeightsIsPlainRoundRobin() {
        assertArrayEquals(new int[] {0, 1, 2, 3}, WeightedRoundRobin.schedule(new int[] {7, 7, 7, 7}));
    }

    @Test
    void schedule_reducesWeightsByTheirGreatestCommonDivisor() {
        int[] schedule = WeightedRoundRobin.schedule(new int[] {600, 200, 200});
        assertEquals(5, schedule.length);
    }

    @Test
    void weightChange_takesEffectWithTheNextRoutingTable() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(Endpoint.of("10.0.0.1", 80),
                Endpoint.of("10.0.0.2", 80));
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.weightedRoundRobin())
                .build()) {
            assertEquals(Map.of("10.0.0.1:80", 5, "10.0.0.2:80", 5), countByAddress(lb, 10));
            group.add(Endpoint.of("10.0.0.2", 80, 4));
            assertEquals(Map.of("10.0.0.1:80", 5, "10.0.0.2:80", 20), countByAddress(lb, 25));
        }
    }

    private static int longestRunOfEndpoint0(int... weights) {
        return WeightedRoundRobinProperties.longestCyclicRuns(WeightedRoundRobin.schedule(weights),
                weights.length)[0];
    }

    private static Map<String, Integer> countByAddress(LoadBalancer lb, int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int k = 0; k < picks; k++) {
            Pick p = lb.pick();
            counts.merge(p.endpoint().address(), 1, Integer::sum);
            p.release();
        }
        return counts;
    }
}
