package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthProbe;
import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import io.lbkit.testing.FakeScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adaptive concurrency limit wired into the balancer: {@link LoadBalancer.Builder#concurrencyLimit}
 * learns each endpoint's limit from the reports on its picks, picks skip endpoints at their
 * limits, and all at their limits fail fast with {@code AT_CAPACITY}. Time is a
 * {@link FakeScheduler}; the limiter itself counts samples, not time, and latencies are the
 * reported ones.
 */
class ConcurrencyLimitBalancerTest {

    private static final long MS = 1_000_000L;

    private final FakeScheduler clock = new FakeScheduler();

    private LoadBalancer.Builder builder(EndpointGroup group) {
        return LoadBalancer.builder(group).ticker(clock).scheduler(clock)
                .outlierDetection(OutlierDetection.disabled());
    }

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            eps.add(Endpoint.of("10.4.0." + (i + 1), 8080));
        }
        return eps;
    }

    private static int limitOf(LoadBalancer lb, Endpoint e) {
        for (EndpointStats s : lb.stats()) {
            if (s.endpoint().equals(e)) {
                return s.concurrencyLimit().orElseThrow();
            }
        }
        throw new AssertionError(e + " not in the stats");
    }

    /** Picks until the balancer refuses: returns the picks, all held. */
    private static List<Pick> fill(LoadBalancer lb) {
        List<Pick> held = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            try {
                held.add(lb.pick());
            } catch (NoEndpointAvailableException e) {
                assertEquals(NoEndpointAvailableException.Reason.AT_CAPACITY, e.reason());
                return held;
            }
        }
        throw new AssertionError("no limit reached after 100,000 picks");
    }

    /**
     * {@code rounds} rounds of a client that fills the endpoint up to its limit and then reports
     * every call with {@code latency}, as a success or a failure.
     */
    private static void drive(LoadBalancer lb, int rounds, long latency, boolean fail) {
        for (int r = 0; r < rounds; r++) {
            for (Pick p : fill(lb)) {
                if (fail) {
                    p.onFailure(latency);
                } else {
                    p.onSuccess(latency);
                }
            }
        }
    }

    @Test
    void limit_growsToItsCeilingWhileLatencyStaysLow_andShrinksWhenItRises() {
        Endpoint e = endpoints(1).get(0);
        LoadBalancer lb = builder(EndpointGroup.of(e)).concurrencyLimit(ConcurrencyLimit
                .gradientBuilder().initialLimit(10).limitBounds(2, 40).build()).build();
        assertEquals(10, limitOf(lb, e));
        List<Pick> first = fill(lb);
        assertEquals(10, first.size(), "the initial limit caps the calls in flight");
        first.forEach(Pick::release); // a release tells the limit nothing
        assertEquals(10, limitOf(lb, e));
        drive(lb, 60, 10 * MS, false); // the endpoint answers in 10 ms however busy: no queue
        assertEquals(40, limitOf(lb, e), "grew to the ceiling");
        drive(lb, 20, 10 * MS, false);
        assertEquals(40, limitOf(lb, e), "stays at the ceiling");
        drive(lb, 150, 40 * MS, false); // a queue builds: four times the no-load latency
        int shrunk = limitOf(lb, e);
        assertTrue(shrunk >= 2 && shrunk <= 6, "shrank towards 4 (fixed point of 0.5 L + √L): "
                + shrunk);
        assertEquals(shrunk, fill(lb).size(), "the learnt limit caps the calls in flight");
    }

    @Test
    void slowFailures_backTheLimitOffToItsFloor_quickFailuresLeaveItAlone() {
        Endpoint e = endpoints(1).get(0);
        LoadBalancer lb = builder(EndpointGroup.of(e)).concurrencyLimit(ConcurrencyLimit
                .gradientBuilder().initialLimit(20).limitBounds(3, 50).windowSamples(10).build())
                .build();
        drive(lb, 2, 10 * MS, false); // learns a no-load latency of 10 ms
        int learnt = limitOf(lb, e);
        drive(lb, 30, 1 * MS, true); // refused at once: says nothing about capacity
        assertEquals(learnt, limitOf(lb, e), "quick failures are ignored");
        drive(lb, 40, 1_000 * MS, true); // timeouts: drops
        assertEquals(3, limitOf(lb, e), "backed off to the floor");
        assertEquals(3, fill(lb).size());
    }

    static Stream<Strategy> strategies() {
        return Stream.of(Strategy.roundRobin(), Strategy.weightedRoundRobin(), Strategy.random(),
                Strategy.weightedRandom(), Strategy.leastRequest(), Strategy.peakEwma(),
                Strategy.ringHash(1_024, 1_024), Strategy.maglev(251), Strategy.rendezvous(),
                Strategy.boundedLoad());
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void pick_skipsEndpointsAtTheirLimit_andFailsFastWhenAllAre(Strategy strategy) {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = builder(EndpointGroup.of(eps)).strategy(strategy)
                .concurrencyLimit(ConcurrencyLimit.gradientBuilder().initialLimit(3).build())
                .build();
        List<Pick> held = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            held.add(i % 2 == 0 ? lb.pick() : lb.pick("key-" + (i % 3)));
        }
        Map<Endpoint, Integer> perEndpoint = new HashMap<>();
        held.forEach(p -> perEndpoint.merge(p.endpoint(), 1, Integer::sum));
        assertEquals(Map.of(eps.get(0), 3, eps.get(1), 3, eps.get(2), 3), perEndpoint,
                "no endpoint beyond its limit of 3");
        NoEndpointAvailableException unkeyed = assertThrows(NoEndpointAvailableException.class,
                lb::pick);
        NoEndpointAvailableException keyed = assertThrows(NoEndpointAvailableException.class,
                () -> lb.pick(42L));
        assertEquals(NoEndpointAvailableException.Reason.AT_CAPACITY, unkeyed.reason());
        assertSame(unkeyed, keyed, "one shared exception per table: a refusal costs a pick");
        assertEquals(0, unkeyed.getStackTrace().length);
        assertTrue(unkeyed.getMessage().contains("all 3 eligible endpoints")
                && unkeyed.getMessage().contains("concurrency limits"), unkeyed.getMessage());
        Pick freed = held.remove(4);
        freed.release();
        assertEquals(freed.endpoint(), lb.pick(7L).endpoint(), "the freed slot takes the call");
        assertThrows(NoEndpointAvailableException.class, lb::pick);
    }

    @Test
    void limitState_survivesTableRebuilds() {
        List<Endpoint> eps = endpoints(3);
        DynamicEndpointGroup group = EndpointGroup.dynamic(eps.get(0), eps.get(1));
        LoadBalancer lb = builder(group).strategy(Strategy.roundRobin())
                .concurrencyLimit(ConcurrencyLimit.gradientBuilder().initialLimit(20)
                        .limitBounds(2, 40).build())
                .build();
        // Learn: endpoint 0 slows down under load, endpoint 1 does not.
        for (int round = 0; round < 60; round++) {
            for (Pick p : fill(lb)) {
                boolean slow = p.endpoint().equals(eps.get(0));
                p.onSuccess(slow && round > 2 ? 50 * MS : 10 * MS);
            }
        }
        int slowLimit = limitOf(lb, eps.get(0));
        int fastLimit = limitOf(lb, eps.get(1));
        assertTrue(slowLimit < 10 && fastLimit > 30, slowLimit + " vs " + fastLimit);
        List<Pick> held = new ArrayList<>();
        held.add(lb.pick()); // one call in flight across the rebuilds
        group.add(eps.get(2)); // membership rebuild
        lb.locality("zone-a", null); // topology rebuild
        assertEquals(slowLimit, limitOf(lb, eps.get(0)));
        assertEquals(fastLimit, limitOf(lb, eps.get(1)));
        assertEquals(20, limitOf(lb, eps.get(2)), "a new endpoint starts at the initial limit");
        held.addAll(fill(lb));
        Map<Endpoint, Integer> perEndpoint = new HashMap<>();
        held.forEach(p -> perEndpoint.merge(p.endpoint(), 1, Integer::sum));
        assertEquals(Map.of(eps.get(0), slowLimit, eps.get(1), fastLimit, eps.get(2), 20),
                perEndpoint, "each endpoint filled to its own limit, the call held before the"
                        + " rebuilds counted");
        held.forEach(Pick::release);
        group.remove(eps.get(0));
        group.add(eps.get(0));
        assertEquals(20, limitOf(lb, eps.get(0)), "an endpoint that left starts afresh");
    }

    @Test
    void halfOpenCircuit_takesTheSmallerOfItsTrialCallsAndItsLimit() {
        Endpoint e = endpoints(1).get(0);
        LoadBalancer lb = builder(EndpointGroup.of(e)).panicThreshold(0)
                .circuitBreaker(CircuitBreaker.builder().failureThreshold(1)
                        .openDuration(Duration.ofSeconds(1)).trialCalls(5).build())
                .concurrencyLimit(ConcurrencyLimit.gradientBuilder().initialLimit(8).build())
                .build();
        lb.pick().onFailure(1 * MS);
        clock.advance(Duration.ofSeconds(2));
        assertEquals(5, fill(lb).size(), "half-open: 5 trial calls, under the limit of 8");
    }

    @Test
    void panic_widensTheSetButKeepsTheLimits() {
        List<Endpoint> eps = endpoints(3);
        LoadBalancer lb = builder(EndpointGroup.of(eps))
                .healthCheck(HealthCheck.builder(HealthProbe.constant(false))
                        .interval(Duration.ofSeconds(2)).jitterPercent(0).build())
                .concurrencyLimit(ConcurrencyLimit.gradientBuilder().initialLimit(2).build())
                .build();
        clock.runDue();
        clock.advance(Duration.ofSeconds(10)); // every endpoint DOWN on its checks alone
        assertTrue(lb.inPanic());
        List<Pick> held = fill(lb);
        Map<Endpoint, Integer> perEndpoint = new HashMap<>();
        held.forEach(p -> perEndpoint.merge(p.endpoint(), 1, Integer::sum));
        assertEquals(Map.of(eps.get(0), 2, eps.get(1), 2, eps.get(2), 2), perEndpoint);
    }

    @Test
    void stats_showTheLimitOnlyWhenOneIsSet() {
        Endpoint e = endpoints(1).get(0);
        LoadBalancer limited = builder(EndpointGroup.of(e))
                .concurrencyLimit(ConcurrencyLimit.gradient()).build();
        LoadBalancer plain = builder(EndpointGroup.of(e)).maxRequestsPerEndpoint(5).build();
        assertEquals(OptionalInt.of(ConcurrencyLimit.GradientBuilder.DEFAULT_INITIAL_LIMIT),
                limited.stats().get(0).concurrencyLimit());
        assertEquals(OptionalInt.empty(), plain.stats().get(0).concurrencyLimit());
        assertEquals(5, fill(plain).size());
    }

    @Test
    void builder_concurrencyLimitAndMaxRequestsPerEndpointExcludeEachOther() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> LoadBalancer.builder(EndpointGroup.of()).maxRequestsPerEndpoint(10)
                        .concurrencyLimit(ConcurrencyLimit.gradient()));
        assertTrue(e.getMessage().startsWith("concurrencyLimit excludes maxRequestsPerEndpoint,"
                + " which was set to 10: the adaptive limit replaces the fixed cap"),
                e.getMessage());
        e = assertThrows(IllegalStateException.class,
                () -> LoadBalancer.builder(EndpointGroup.of())
                        .concurrencyLimit(ConcurrencyLimit.gradient()).maxRequestsPerEndpoint(10));
        assertTrue(e.getMessage().startsWith("maxRequestsPerEndpoint excludes concurrencyLimit,"
                + " which was set to ConcurrencyLimit.gradient[initial=20"), e.getMessage());
        assertTrue(e.getMessage().contains("limitBounds(min, max)"), e.getMessage());
        e = assertThrows(IllegalStateException.class,
                () -> LoadBalancer.builder(EndpointGroup.of())
                        .concurrencyLimit(ConcurrencyLimit.gradient())
                        .concurrencyLimit(ConcurrencyLimit.gradient()));
        assertTrue(e.getMessage().startsWith("concurrencyLimit was already set to"),
                e.getMessage());
        NullPointerException npe = assertThrows(NullPointerException.class,
                () -> LoadBalancer.builder(EndpointGroup.of()).concurrencyLimit(null));
        assertEquals("concurrencyLimit", npe.getMessage());
    }

    /**
     * Four threads, each holding up to 3 calls, pick and report against limits of at most 3 on 3
     * endpoints (more demand than room): no endpoint ever has more calls in flight than its
     * limit plus the threads racing for it, refusals are AT_CAPACITY only, and every in-flight
     * count returns to zero.
     */
    @Test
    void concurrentPicks_stayNearTheLimit_andInFlightReturnsToZero() throws Exception {
        List<Endpoint> eps = endpoints(3);
        int threads = 4;
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(Strategy.leastRequest())
                .concurrencyLimit(ConcurrencyLimit.gradientBuilder().initialLimit(2)
                        .limitBounds(1, 3).windowSamples(5).build())
                .build();
        Map<Endpoint, AtomicInteger> live = new HashMap<>();
        eps.forEach(e -> live.put(e, new AtomicInteger()));
        AtomicInteger worst = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    java.util.ArrayDeque<Pick> mine = new java.util.ArrayDeque<>();
                    for (int i = 0; i < 20_000; i++) {
                        try {
                            Pick p = lb.pick();
                            worst.accumulateAndGet(live.get(p.endpoint()).incrementAndGet(),
                                    Math::max);
                            mine.add(p);
                        } catch (NoEndpointAvailableException e) {
                            assertEquals(NoEndpointAvailableException.Reason.AT_CAPACITY,
                                    e.reason());
                        }
                        if (mine.size() == 3 || (!mine.isEmpty() && i % 5 == 0)) {
                            Pick p = mine.poll();
                            live.get(p.endpoint()).decrementAndGet();
                            if (i % 4 == 0) {
                                p.release();
                            } else {
                                p.onSuccess((i % 7 + 1) * MS);
                            }
                        }
                    }
                    for (Pick p : mine) {
                        live.get(p.endpoint()).decrementAndGet();
                        p.onSuccess(MS);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        assertTrue(worst.get() <= 3 + threads - 1, "at most limit + racing threads - 1: " + worst);
        for (EndpointStats s : lb.stats()) {
            assertEquals(0, s.inFlight(), s.toString());
            int limit = s.concurrencyLimit().orElseThrow();
            assertTrue(limit >= 1 && limit <= 3, s.toString());
        }
    }
}
