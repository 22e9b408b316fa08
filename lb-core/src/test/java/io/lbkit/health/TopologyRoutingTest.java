package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Priority failover and zone-aware routing through a real balancer: endpoints are taken DOWN by
 * a scripted probe on a manual clock, and the traffic shares are measured over many picks.
 */
class TopologyRoutingTest {

    private static final int PICKS = 40_000;
    /** Six standard deviations of a share near 0.5 over {@link #PICKS} picks. */
    private static final double TOLERANCE = 6 * Math.sqrt(0.25 / PICKS);

    private final ManualClock clock = new ManualClock();
    private final Set<Endpoint> down = new HashSet<>();

    private LoadBalancer balancer(List<Endpoint> eps, Function<LoadBalancer.Builder,
            LoadBalancer.Builder> options) {
        HealthProbe probe = e -> CompletableFuture.completedFuture(!down.contains(e));
        LoadBalancer lb = options.apply(LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(Strategy.roundRobin()).ticker(clock).scheduler(clock)
                .outlierDetection(OutlierDetection.disabled())
                .healthCheck(HealthCheck.builder(probe).fall(1).rise(1).jitterPercent(0).build()))
                .build();
        clock.runDue();
        return lb;
    }

    private void probeAgain() {
        clock.advance(Duration.ofSeconds(2));
    }

    private static double share(LoadBalancer lb, java.util.function.Predicate<Endpoint> which) {
        return Shares.share(lb, which, PICKS);
    }

    private static List<Endpoint> level(int priority, int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Endpoint.builder("10." + priority + ".0." + (i + 1), 80).priority(priority)
                    .build());
        }
        return list;
    }

    @Test
    void priorityFailover_spillsInProportionToLostCapacity() {
        List<Endpoint> p0 = level(0, 10);
        List<Endpoint> p1 = level(1, 10);
        List<Endpoint> all = new ArrayList<>(p0);
        all.addAll(p1);
        LoadBalancer lb = balancer(all, b -> b);
        assertEquals(1.0, share(lb, p0::contains), 0.0, "healthy primary takes everything");

        down.addAll(p0.subList(0, 2)); // 80% healthy: 1.4 x 0.8 >= 1
        probeAgain();
        assertEquals(1.0, share(lb, p0::contains), 0.0);

        down.addAll(p0.subList(2, 5)); // 50% healthy: P0 0.7, P1 0.3
        probeAgain();
        assertEquals(0.7, share(lb, p0::contains), TOLERANCE);
        assertFalse(share(lb, down::contains) > 0, "never a DOWN endpoint");

        down.addAll(p0); // primary gone: all to P1 (10 of 20 healthy: no panic)
        probeAgain();
        assertEquals(1.0, share(lb, p1::contains), 0.0);

        down.clear(); // recovery: back to P0
        probeAgain();
        assertEquals(1.0, share(lb, p0::contains), 0.0);
    }

    @Test
    void zoneAware_staysLocalThenSpillsToRegionThenRest() {
        List<Endpoint> eps = new ArrayList<>();
        String[][] zones = {{"a", "r1"}, {"b", "r1"}, {"c", "r2"}};
        for (String[] z : zones) {
            for (int i = 0; i < 4; i++) {
                eps.add(Endpoint.builder("10.9." + (int) z[0].charAt(0) + "." + i, 80).zone(z[0])
                        .region(z[1]).build());
            }
        }
        Function<String, java.util.function.Predicate<Endpoint>> inZone =
                z -> e -> e.zone().orElseThrow().equals(z);
        LoadBalancer lb = balancer(eps, b -> b.localZone("a").localRegion("r1"));
        assertEquals(1.0, share(lb, inZone.apply("a")), 0.0);

        eps.stream().filter(inZone.apply("a")).limit(2).forEach(down::add); // a: 50% -> 0.7
        probeAgain();
        assertEquals(0.7, share(lb, inZone.apply("a")), TOLERANCE);
        assertEquals(0.3, share(lb, inZone.apply("b")), TOLERANCE);
        assertEquals(0.0, share(lb, inZone.apply("c")), 0.0);

        eps.stream().filter(inZone.apply("b")).forEach(down::add); // region empty: spill on
        probeAgain();
        assertEquals(0.7, share(lb, inZone.apply("a")), TOLERANCE);
        assertEquals(0.0, share(lb, inZone.apply("b")), 0.0);
        assertEquals(0.3, share(lb, inZone.apply("c")), TOLERANCE);
    }
}
