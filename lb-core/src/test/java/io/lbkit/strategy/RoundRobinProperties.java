package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class RoundRobinProperties {

    @Property(tries = 300)
    void picker_givesEachEndpointExactlyKPicksInKTimesNPicks(
            @ForAll @IntRange(min = 1, max = 300) int n,
            @ForAll @IntRange(min = 1, max = 10) int k,
            @ForAll @IntRange(min = 0, max = 1000) int alreadyPicked) {
        Picker picker = Strategy.roundRobin().newPicker(ScriptedCandidates.uniform(n));
        for (int i = 0; i < alreadyPicked; i++) { // any starting point in the cycle
            picker.pick();
        }
        long[] counts = ScriptedCandidates.countPicks(picker, n, k * n);
        for (int i = 0; i < n; i++) {
            assertEquals(k, counts[i], "picks of endpoint " + i + " of " + n);
        }
    }

    @Property(tries = 100)
    void balancer_givesEachEndpointExactlyKPicksInKTimesNPicks_ignoringWeights(
            @ForAll @IntRange(min = 1, max = 50) int n,
            @ForAll @IntRange(min = 1, max = 10) int k,
            @ForAll @IntRange(min = 1, max = 100) int weightSeed) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            endpoints.add(Endpoint.of("10.1.0." + i, 80, 1 + (i * weightSeed) % 7));
        }
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                .strategy(Strategy.roundRobin()).build()) {
            Map<Endpoint, Integer> counts = new HashMap<>();
            for (int i = 0; i < k * n; i++) {
                Pick p = lb.pick();
                counts.merge(p.endpoint(), 1, Integer::sum);
                p.release();
            }
            assertEquals(n, counts.size(), "endpoints picked: " + counts);
            for (Endpoint e : endpoints) {
                assertEquals(k, counts.get(e), "picks of " + e);
            }
        }
    }
}
