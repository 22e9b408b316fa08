package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.TrafficSplit;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The local zone and region changed at run time with {@link LoadBalancer#locality}, through a
 * real balancer on a manual clock: traffic follows the new zone, per-endpoint state carries
 * over, and picks racing with changes stay correct.
 */
class LocalityChangeTest {

    private static final int PICKS = 30_000;
    /**
     * Six standard deviations of a binomial share of 1/3 over {@link #PICKS} picks (≈ 0.016): a
     * correct balancer fails the bound with probability about 2e-9 per assertion.
     */
    private static final double THIRD_TOLERANCE = 6 * Math.sqrt((1.0 / 3) * (2.0 / 3) / PICKS);

    private final ManualClock clock = new ManualClock();

    /** Four endpoints in each of zones a, b (region r1) and c (region r2). */
    private static List<Endpoint> endpoints() {
        List<Endpoint> eps = new ArrayList<>();
        String[][] zones = {{"a", "r1"}, {"b", "r1"}, {"c", "r2"}};
        for (String[] z : zones) {
            for (int i = 0; i < 4; i++) {
                eps.add(Endpoint.builder("10.7." + (int) z[0].charAt(0) + "." + i, 80).zone(z[0])
                        .region(z[1]).build());
            }
        }
        return eps;
    }

    private static Predicate<Endpoint> inZone(String zone) {
        return e -> e.zone().orElseThrow().equals(zone);
    }

    private LoadBalancer balancer(List<Endpoint> eps,
            Function<LoadBalancer.Builder, LoadBalancer.Builder> options) {
        LoadBalancer lb = options.apply(LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(Strategy.roundRobin()).ticker(clock).scheduler(clock)).build();
        clock.runDue();
        return lb;
    }

    private static double share(LoadBalancer lb, Predicate<Endpoint> which) {
        return Shares.share(lb, which, PICKS);
    }

    private static EndpointStats statsOf(LoadBalancer lb, Endpoint e) {
        return lb.stats().stream().filter(s -> s.endpoint().equals(e)).findFirst().orElseThrow();
    }

    @Test
    void locality_movesTrafficToTheNewZone_andOffSpreadsOverAll() {
        LoadBalancer lb = balancer(endpoints(), b -> b.localZone("a").localRegion("r1"));
        assertEquals(1.0, share(lb, inZone("a")), 0.0, "a healthy local zone takes every call");

        lb.locality("b", "r1");
        assertEquals(Optional.of("b"), lb.localZone());
        assertEquals(Optional.of("r1"), lb.localRegion());
        assertEquals(1.0, share(lb, inZone("b")), 0.0, "every call moved to the new zone");

        lb.locality(null, null);
        assertEquals(Optional.empty(), lb.localZone());
        assertEquals(Optional.empty(), lb.localRegion());
        for (String z : List.of("a", "b", "c")) {
            assertEquals(1.0 / 3, share(lb, inZone(z)), THIRD_TOLERANCE,
                    "zone awareness off: zone " + z + " gets a third");
        }

        lb.locality("c", null);
        assertEquals(1.0, share(lb, inZone("c")), 0.0, "and back on, in another region");
        lb.close();
    }

    @Test
    void locality_newRegionDecidesWhereALostZoneSpills() {
        List<Endpoint> eps = endpoints();
        Set<Endpoint> down = new HashSet<>();
        HealthProbe probe = e -> java.util.concurrent.CompletableFuture.completedFuture(
                !down.contains(e));
        LoadBalancer lb = balancer(eps, b -> b.localZone("a").localRegion("r1")
                .outlierDetection(OutlierDetection.disabled())
                .healthCheck(HealthCheck.builder(probe).fall(1).rise(1).jitterPercent(0)
                        .build()));
        eps.stream().filter(inZone("a")).forEach(down::add);
        clock.advance(java.time.Duration.ofSeconds(2)); // probe again: zone a is DOWN
        assertEquals(1.0, share(lb, inZone("b")), 0.0, "a lost: spill to the rest of r1");

        lb.locality("a", "r2"); // same zone, another region: the spill follows the region
        assertEquals(1.0, share(lb, inZone("c")), 0.0, "a lost: spill to the rest of r2");
        lb.close();
    }

    @Test
    void locality_keepsInFlightCounts_andAPickFromBeforeTheChangeReportsNormally() {
        List<Endpoint> eps = endpoints();
        LoadBalancer lb = balancer(eps, b -> b.localZone("a"));
        Pick held = lb.pick();
        Endpoint e = held.endpoint();
        assertTrue(inZone("a").test(e));
        assertEquals(1, statsOf(lb, e).inFlight());

        lb.locality("b", null);
        assertEquals(1, statsOf(lb, e).inFlight(), "the change kept the in-flight count");
        for (int i = 0; i < 100; i++) {
            Pick p = lb.pick();
            assertTrue(inZone("b").test(p.endpoint()));
            p.onSuccess(1_000);
        }
        held.onSuccess(5_000_000);
        EndpointStats after = statsOf(lb, e);
        assertEquals(0, after.inFlight(), "the old pick's report reached the same state");
        assertEquals(1, after.successes());
        for (EndpointStats s : lb.stats()) {
            assertEquals(0, s.inFlight(), s.endpoint() + " in flight");
        }
        lb.close();
    }

    @Test
    void locality_keepsEjections() {
        List<Endpoint> eps = endpoints();
        LoadBalancer lb = balancer(eps, b -> b.localZone("b")
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(5).build()));
        Endpoint victim = null;
        int failures = 0;
        for (int i = 0; i < 10_000 && failures < 5; i++) {
            Pick p = lb.pick();
            if (victim == null) {
                victim = p.endpoint();
            }
            if (p.endpoint().equals(victim)) {
                p.onFailure(1_000);
                failures++;
            } else {
                p.release();
            }
        }
        assertEquals(5, failures);
        assertEquals(HealthStatus.EJECTED, statsOf(lb, victim).health());

        lb.locality("a", null);
        lb.locality("b", null);
        EndpointStats s = statsOf(lb, victim);
        assertEquals(HealthStatus.EJECTED, s.health(), "still ejected after two changes");
        assertEquals(1, s.ejections());
        assertEquals(5, s.failures());
        assertEquals(0.0, share(lb, victim::equals), 0.0, "and still not picked");
        lb.close();
    }

    @Test
    void locality_rejectsBlankNamesNamingTheField_andChangesNothing() {
        LoadBalancer lb = balancer(endpoints(), b -> b.localZone("a").localRegion("r1"));
        IllegalArgumentException zone = assertThrows(IllegalArgumentException.class,
                () -> lb.locality(" ", "r1"));
        assertTrue(zone.getMessage().contains("localZone"), zone.getMessage());
        IllegalArgumentException region = assertThrows(IllegalArgumentException.class,
                () -> lb.locality("b", ""));
        assertTrue(region.getMessage().contains("localRegion"), region.getMessage());
        assertEquals(Optional.of("a"), lb.localZone());
        assertEquals(Optional.of("r1"), lb.localRegion());
        assertEquals(1.0, share(lb, inZone("a")), 0.0);
        lb.close();
    }

    @Test
    void locality_onAClosedBalancer_isRecordedButPicksStillFailClosed() {
        LoadBalancer lb = balancer(endpoints(), b -> b);
        lb.close();
        lb.locality("b", "r1");
        assertEquals(Optional.of("b"), lb.localZone());
        NoEndpointAvailableException ex =
                assertThrows(NoEndpointAvailableException.class, lb::pick);
        assertEquals(NoEndpointAvailableException.Reason.CLOSED, ex.reason());
    }

    @Test
    void locality_beforeTheGroupIsReady_appliesToTheFirstSnapshot() {
        io.lbkit.DynamicEndpointGroup group = EndpointGroup.dynamic();
        LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin()).ticker(clock)
                .scheduler(clock).build();
        lb.locality("c", null);
        group.set(endpoints());
        clock.runDue();
        assertEquals(1.0, share(lb, inZone("c")), 0.0);
        lb.close();
    }

    @Test
    void trafficSplit_forwardsLocalityToEveryRoute() {
        LoadBalancer stable = balancer(endpoints(), b -> b.localZone("a"));
        LoadBalancer canary = balancer(endpoints(), b -> b.localZone("b"));
        TrafficSplit split = TrafficSplit.builder().route("stable", stable, 50)
                .route("canary", canary, 50).build();
        IllegalStateException disagree = assertThrows(IllegalStateException.class,
                split::localZone);
        assertTrue(disagree.getMessage().contains("stable=a"), disagree.getMessage());
        assertEquals(Optional.empty(), split.localRegion(), "both routes have no region");

        assertThrows(IllegalArgumentException.class, () -> split.locality("c", " "));
        assertEquals(Optional.of("a"), stable.localZone(), "a rejected change touches no route");
        assertEquals(Optional.of("b"), canary.localZone());

        split.locality("c", "r2");
        assertEquals(Optional.of("c"), split.localZone());
        assertEquals(Optional.of("r2"), split.localRegion());
        assertEquals(Optional.of("c"), stable.localZone());
        assertEquals(Optional.of("c"), canary.localZone());
        assertEquals(1.0, share(split, inZone("c")), 0.0);
        assertEquals(Map.of("stable", 50, "canary", 50), split.weights());
        split.close();
    }

    /**
     * Pickers race with a thread that switches the locality through a, b, c and off: no pick
     * throws, every pick returns an endpoint of the group, and every in-flight count returns to
     * zero. Bounded by iteration counts and a 60 s deadline on each future.
     */
    @Test
    void locality_changesRacingWithPicks_neverFailAndNeverLeaveTheGroup() throws Exception {
        int pickers = 3;
        int changes = 2_000;
        List<Endpoint> eps = endpoints();
        Set<Endpoint> group = Set.copyOf(eps);
        // The manual clock is confined to one thread: the racing pickers get a fixed ticker,
        // and with outlier detection off nothing is scheduled on the clock.
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(Strategy.leastRequest()).ticker(() -> 1_000_000_000L).scheduler(clock)
                .outlierDetection(OutlierDetection.disabled()) // nothing to schedule
                .localZone("a").build();
        String[][] localities = {{"a", "r1"}, {"b", "r1"}, {"c", "r2"}, {null, null},
            {"b", null}};
        ExecutorService pool = Executors.newFixedThreadPool(pickers + 1);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean done = new AtomicBoolean();
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 0; t < pickers; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    long picks = 0;
                    List<Pick> held = new ArrayList<>();
                    while (!done.get() || picks < 1_000) {
                        Pick p = lb.pick();
                        if (!group.contains(p.endpoint())) {
                            throw new AssertionError("picked outside the group: " + p.endpoint());
                        }
                        held.add(p); // held across a few changes, then reported
                        if (held.size() == 8) {
                            for (Pick h : held) {
                                h.onSuccess(1_000);
                            }
                            held.clear();
                        }
                        picks++;
                    }
                    held.forEach(Pick::release);
                    return picks;
                }));
            }
            Future<Integer> switcher = pool.submit(() -> {
                try {
                    start.await();
                    for (int i = 0; i < changes; i++) {
                        String[] l = localities[i % localities.length];
                        lb.locality(l[0], l[1]);
                    }
                    return changes;
                } finally {
                    done.set(true);
                }
            });
            start.countDown();
            assertEquals(changes, switcher.get(60, TimeUnit.SECONDS));
            long total = 0;
            for (Future<Long> f : results) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(total >= pickers * 1_000L, "picks: " + total);
        } finally {
            done.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
        }
        for (EndpointStats s : lb.stats()) {
            assertEquals(0, s.inFlight(), s.endpoint() + " in flight");
        }
        assertEquals(Optional.of("b"), lb.localZone(), "the last change wins");
        lb.close();
    }
}
