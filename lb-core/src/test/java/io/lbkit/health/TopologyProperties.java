package io.lbkit.health;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** For any health assignment over priorities and zones, routing never reaches a DOWN endpoint. */
class TopologyProperties {

    /**
     * Each endpoint is an int: bits 0-1 its priority (0..2), bits 2-3 its zone (a, b, c; a and b
     * in region r1), bit 4 whether it is DOWN.
     */
    @Property(tries = 150)
    void picks_neverReachAnIneligibleEndpointOutsidePanic(
            @ForAll @Size(min = 1, max = 24) List<@IntRange(min = 0, max = 31) Integer> shape,
            @ForAll @IntRange(min = 0, max = 100) int panicPercent,
            @ForAll @IntRange(min = 1, max = 8) int zoneMinClusterSize) {
        ManualClock clock = new ManualClock();
        List<Endpoint> eps = new ArrayList<>();
        Set<Endpoint> down = new HashSet<>();
        String[] zones = {"a", "b", "c", "c"};
        for (int i = 0; i < shape.size(); i++) {
            int bits = shape.get(i);
            String zone = zones[(bits >> 2) & 3];
            Endpoint e = Endpoint.builder("10.2.0." + (i + 1), 80).priority((bits & 3) % 3)
                    .zone(zone).region(zone.equals("c") ? "r2" : "r1").build();
            eps.add(e);
            if ((bits & 16) != 0) {
                down.add(e);
            }
        }
        HealthProbe probe = e -> CompletableFuture.completedFuture(!down.contains(e));
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(Strategy.random()).ticker(clock).scheduler(clock)
                .outlierDetection(OutlierDetection.disabled())
                .healthCheck(HealthCheck.builder(probe).fall(1).rise(1).jitterPercent(0).build())
                .panicThreshold(panicPercent).localZone("a").localRegion("r1")
                .zoneMinClusterSize(zoneMinClusterSize)
                .build();
        clock.runDue();
        boolean panic = lb.inPanic();
        boolean expectPanic = panicPercent > 0
                && (eps.size() - down.size()) * 100L < (long) panicPercent * eps.size();
        if (panic != expectPanic) {
            throw new AssertionError("panic " + panic + ", expected " + expectPanic);
        }
        Set<Endpoint> seen = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            Pick p;
            try {
                p = lb.pick();
            } catch (NoEndpointAvailableException ex) {
                if (down.size() != eps.size() || panicPercent > 0) {
                    throw new AssertionError("no endpoint though some can serve", ex);
                }
                return;
            }
            seen.add(p.endpoint());
            p.onSuccess(0);
        }
        if (!panic) {
            seen.retainAll(down);
            if (!seen.isEmpty()) {
                throw new AssertionError("routed to DOWN endpoints " + seen);
            }
        }
    }
}
