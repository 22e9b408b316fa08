package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.health.OutlierDetection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Regression test for a weakness of the weighted P2C strategies that the simulator found (the
 * failure-penalty one is LoadBalancerTest.peakEwma_retriesAFailingEndpointEveryFewSeconds...).
 */
class TwoChoicesRegressionTest {

    /**
     * Drawing both candidates uniformly gave each light endpoint a floor share: with 4 endpoints
     * of weight 4 and 6 of weight 1, at least 5.56% each against a fair 4.5%.
     */
    @Test
    void weightedLeastRequest_lightEndpointsGetNoFloorShare() {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            eps.add(Endpoint.of("10.0.0." + (i + 1), 80, i < 4 ? 4 : 1));
        }
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(new LeastRequest(2, RandomSource.seeded(7)))
                .outlierDetection(OutlierDetection.disabled()).build();
        // A closed system: 44 calls in flight; each step completes a random one and starts one.
        SplittableRandom random = new SplittableRandom(11);
        List<Pick> inFlight = new ArrayList<>();
        for (int i = 0; i < 44; i++) {
            inFlight.add(lb.pick());
        }
        Map<Endpoint, Integer> picks = new HashMap<>();
        int steps = 200_000;
        for (int step = 0; step < steps; step++) {
            int done = random.nextInt(inFlight.size());
            inFlight.get(done).onSuccess(0);
            Pick p = lb.pick();
            inFlight.set(done, p);
            picks.merge(p.endpoint(), 1, Integer::sum);
        }
        for (Endpoint e : eps) {
            double share = picks.get(e) / (double) steps;
            double fair = e.weight() / 22.0;
            assertEquals(fair, share, 0.006, e + " got " + share);
        }
    }
}
