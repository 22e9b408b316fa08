package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {

    private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.0.0.2", 80);

    // --- builder ------------------------------------------------------------------------------

    @Test
    void builder_rejectsNulls_namingTheParameter() {
        assertEquals("group", assertThrows(NullPointerException.class,
                () -> LoadBalancer.builder(null)).getMessage());
        assertEquals("strategy", assertThrows(NullPointerException.class,
                () -> LoadBalancer.builder(EndpointGroup.of(A)).strategy(null)).getMessage());
        assertEquals("ticker", assertThrows(NullPointerException.class,
                () -> LoadBalancer.builder(EndpointGroup.of(A)).ticker(null)).getMessage());
    }

    @Test
    void builder_rejectsEachOptionSetTwice_namingTheEarlierValue() {
        LoadBalancer.Builder b = LoadBalancer.builder(EndpointGroup.of(A))
                .strategy(Strategy.roundRobin());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.strategy(Strategy.random()));
        assertEquals("strategy was already set to Strategy.roundRobin()", e.getMessage());

        Ticker ticker = () -> 42;
        LoadBalancer.Builder b2 = LoadBalancer.builder(EndpointGroup.of(A)).ticker(ticker);
        IllegalStateException e2 = assertThrows(IllegalStateException.class,
                () -> b2.ticker(Ticker.system()));
        assertEquals("ticker was already set to " + ticker, e2.getMessage());
    }

    @Test
    void defaultStrategy_isLeastRequest() {
        try (LoadBalancer lb = LoadBalancer.of(EndpointGroup.of(A, B))) {
            assertTrue(lb.toString().contains("Strategy.leastRequest(2)"), lb.toString());
            Pick first = lb.pick();
            Pick second = lb.pick(); // the other endpoint has fewer calls in flight
            assertTrue(!first.endpoint().equals(second.endpoint()), first + ", " + second);
            first.release();
            second.release();
        }
    }

    // --- no endpoint --------------------------------------------------------------------------

    @Test
    void pick_onAnEmptyGroup_throwsEmptyAtOnce() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic();
                LoadBalancer lb = LoadBalancer.of(g)) {
            NoEndpointAvailableException e = assertThrows(NoEndpointAvailableException.class,
                    lb::pick);
            assertEquals(NoEndpointAvailableException.Reason.EMPTY, e.reason());
            assertTrue(e.getMessage().contains("has no endpoints"), e.getMessage());
            assertEquals(NoEndpointAvailableException.Reason.EMPTY,
                    assertThrows(NoEndpointAvailableException.class, () -> lb.pick(7)).reason());
            assertEquals(List.of(), lb.stats());
        }
    }

    @Test
    void pick_onAGroupThatIsNotReady_throwsEmptyNamingIt() {
        EndpointGroupTest.NeverReadyGroup g = new EndpointGroupTest.NeverReadyGroup();
        try (LoadBalancer lb = LoadBalancer.of(g)) {
            NoEndpointAvailableException e = assertThrows(NoEndpointAvailableException.class,
                    lb::pick);
            assertEquals(NoEndpointAvailableException.Reason.EMPTY, e.reason());
            assertTrue(e.getMessage().contains("is not ready"), e.getMessage());
            g.publish(List.of(A));
            Pick p = lb.pick();
            assertEquals(A, p.endpoint());
            p.release();
        }
    }

    @Test
    void pick_afterTheGroupEmpties_throwsEmpty_andRecoversWhenEndpointsReturn() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A);
                LoadBalancer lb = LoadBalancer.of(g)) {
            lb.pick().release();
            g.remove(A);
            assertEquals(NoEndpointAvailableException.Reason.EMPTY,
                    assertThrows(NoEndpointAvailableException.class, lb::pick).reason());
            g.add(B);
            assertEquals(B, lb.pick().endpoint());
        }
    }

    @Test
    void pick_afterClose_throwsClosed_evenWhenTheGroupChangesLater() {
        DynamicEndpointGroup g = EndpointGroup.dynamic(A, B);
        LoadBalancer lb = LoadBalancer.of(g);
        lb.close();
        lb.close(); // idempotent
        NoEndpointAvailableException e = assertThrows(NoEndpointAvailableException.class, lb::pick);
        assertEquals(NoEndpointAvailableException.Reason.CLOSED, e.reason());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        g.add(Endpoint.of("10.0.0.3", 80));
        assertEquals(NoEndpointAvailableException.Reason.CLOSED,
                assertThrows(NoEndpointAvailableException.class, () -> lb.pick(1)).reason());
        assertEquals(List.of(), lb.stats());
        assertEquals(3, g.endpoints().size(), "closing the balancer leaves the group open");
        g.close();
    }

    @Test
    void exception_requiresReasonAndMessage() {
        assertEquals("reason", assertThrows(NullPointerException.class,
                () -> new NoEndpointAvailableException(null, "m")).getMessage());
        assertEquals("message", assertThrows(NullPointerException.class,
                () -> new NoEndpointAvailableException(
                        NoEndpointAvailableException.Reason.EMPTY, null)).getMessage());
    }

    // --- per-endpoint state -------------------------------------------------------------------

    @Test
    void inFlightCount_survivesAnUpdateThatKeepsTheAddress_evenWithANewWeight() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A, B);
                LoadBalancer lb = LoadBalancer.builder(g).strategy(Strategy.roundRobin()).build()) {
            Pick onA = pickUntil(lb, A);
            Pick done = pickUntil(lb, A);
            done.onSuccess(5);
            pickUntil(lb, A).onFailure(5);
            assertStats(stats(lb, A), A, 1, 1, 1);

            Endpoint heavierA = Endpoint.of("10.0.0.1", 80, 9);
            g.set(List.of(Endpoint.of("10.0.0.9", 80), heavierA)); // B leaves, A changes weight
            assertStats(stats(lb, heavierA), heavierA, 1, 1, 1);
            assertEquals(heavierA, onA.endpoint(), "the open pick sees the new weight");

            onA.release();
            assertStats(stats(lb, heavierA), heavierA, 0, 1, 1);
            Pick again = pickUntil(lb, heavierA);
            assertSame(onA, again, "the same per-endpoint record");
            again.release();
        }
    }

    @Test
    void state_startsAfreshWhenAnAddressLeavesAndReturns() {
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(A);
                LoadBalancer lb = LoadBalancer.of(g)) {
            Pick open = lb.pick();
            lb.pick().onSuccess(1);
            g.remove(A);
            g.add(A);
            assertStats(stats(lb, A), A, 0, 0, 0);
            open.onSuccess(1); // a late report on the old record: accepted, ignored by balancing
            assertStats(stats(lb, A), A, 0, 0, 0);
            Pick fresh = lb.pick();
            assertNotSame(open, fresh);
            fresh.release();
        }
    }

    @Test
    void stats_listTheCurrentSnapshotInGroupOrder() {
        Endpoint c = Endpoint.of("10.0.0.3", 80);
        try (DynamicEndpointGroup g = EndpointGroup.dynamic(c, A, B);
                LoadBalancer lb = LoadBalancer.of(g)) {
            assertEquals(List.of(c, A, B), lb.stats().stream().map(EndpointStats::endpoint).toList());
            g.remove(A);
            assertEquals(List.of(c, B), lb.stats().stream().map(EndpointStats::endpoint).toList());
            assertThrows(UnsupportedOperationException.class, () -> lb.stats().clear());
        }
    }

    @Test
    void latency_isTrackedWithTheInjectedTicker_onlyForLatencyStrategies() {
        AtomicLong now = new AtomicLong(1_000);
        try (LoadBalancer ewma = LoadBalancer.builder(EndpointGroup.of(A))
                        .strategy(Strategy.peakEwma()).ticker(now::get).build();
                LoadBalancer plain = LoadBalancer.builder(EndpointGroup.of(A))
                        .strategy(Strategy.leastRequest()).ticker(now::get).build()) {
            assertEquals(Optional.empty(), ewma.stats().get(0).latency());
            ewma.pick().onSuccess(3_000_000);
            plain.pick().onSuccess(3_000_000);
            assertEquals(Optional.of(Duration.ofMillis(3)), ewma.stats().get(0).latency());
            assertEquals(Optional.empty(), plain.stats().get(0).latency());

            // A faster sample pulls the average down, weighted by the time since the last one.
            now.addAndGet(Duration.ofSeconds(4).toNanos()); // 0.4 decay times
            ewma.pick().onSuccess(1_000_000);
            double expected = 3e6 * Math.exp(-0.4) + 1e6 * (1 - Math.exp(-0.4));
            assertEquals(expected, ewma.stats().get(0).latency().orElseThrow().toNanos(), 1);

            // A slower sample takes over at once (the peak).
            ewma.pick().onSuccess(8_000_000);
            assertEquals(Optional.of(Duration.ofMillis(8)), ewma.stats().get(0).latency());

            // Idle, the estimate fades by 1/e per decay time, and expires after 5 s without a
            // sample: the next one starts afresh.
            now.addAndGet(Duration.ofSeconds(4).toNanos());
            assertEquals(8e6 * Math.exp(-0.4),
                    ewma.stats().get(0).latency().orElseThrow().toNanos(), 1);
            now.addAndGet(Duration.ofMillis(1_001).toNanos());
            assertEquals(Optional.empty(), ewma.stats().get(0).latency());
            ewma.pick().onSuccess(2_000_000);
            assertEquals(Optional.of(Duration.ofMillis(2)), ewma.stats().get(0).latency());
        }
    }

    @Test
    void failure_countsAsTheCurrentLatencyEstimateOrItsOwnLatency() {
        AtomicLong now = new AtomicLong();
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A))
                .strategy(Strategy.peakEwma()).ticker(now::get).build()) {
            lb.pick().onSuccess(5_000_000);
            lb.pick().onFailure(1_000); // failed fast: must not look fast
            assertEquals(Optional.of(Duration.ofMillis(5)), lb.stats().get(0).latency());
            lb.pick().onFailure(30_000_000); // failed slowly: at least as long as it took
            assertEquals(Optional.of(Duration.ofMillis(30)), lb.stats().get(0).latency());
        }
    }

    @Test
    void negativeLatency_countsAsZero() {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A))
                .strategy(Strategy.peakEwma()).ticker(() -> 0).build()) {
            lb.pick().onSuccess(-5);
            assertStats(lb.stats().get(0), A, 0, 1, 0);
        }
    }

    @Test
    void peakEwma_recoversAfterAThousandFailuresInARow() {
        // Each failure counts as twice the estimate: unbounded, 1,000 failures in a row took the
        // estimate past Double.MAX_VALUE to infinity, where it stayed while traffic flowed (and
        // became NaN after a long idle), so the endpoint was never ranked again. (Outlier
        // detection, which would eject A on its own timer, is off: this is about the estimate.)
        AtomicLong now = new AtomicLong();
        DynamicEndpointGroup g = EndpointGroup.dynamic(A);
        try (LoadBalancer lb = LoadBalancer.builder(g).strategy(Strategy.peakEwma())
                .ticker(now::get).outlierDetection(OutlierDetection.disabled()).build()) {
            for (int k = 0; k < 1_100; k++) { // an outage: every call to A fails fast
                lb.pick().onFailure(1_000_000);
                now.addAndGet(1_000_000);
            }
            Duration penalty = lb.stats().get(0).latency().orElseThrow();
            assertTrue(penalty.compareTo(Duration.ofHours(1)) <= 0, "estimate " + penalty);

            g.add(B); // A recovers; B is a healthy 1 ms endpoint
            lb.pick(); // B, the only endpoint without a call: held in flight
            now.addAndGet(Duration.ofMinutes(10).toNanos()); // 60 decay times without A
            int picksOfA = 0;
            for (int k = 0; k < 100; k++) {
                Pick p = lb.pick();
                picksOfA += p.endpoint().equals(A) ? 1 : 0;
                p.onSuccess(1_000_000);
                now.addAndGet(1_000_000);
            }
            assertTrue(picksOfA > 10, "A picked " + picksOfA + " times of 100 after recovery");
        }
    }

    @Test
    void peakEwma_retriesAFailingEndpointEveryFewSeconds_howeverLongTheOutage() {
        // A fails fast for an hour while B and C answer in 1 ms, 100 calls/s. A failure counted
        // as twice the *stored* estimate compounded at every retry, so the gap between retries
        // (and the delay before a recovered A got traffic again) grew with the outage: minutes
        // after an hour. Doubling the estimate decayed to now keeps the gap near decay × ln 2.
        AtomicLong now = new AtomicLong();
        Endpoint c = Endpoint.of("10.0.0.3", 80);
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(A, B, c))
                .strategy(Strategy.peakEwma()).ticker(now::get)
                .outlierDetection(OutlierDetection.disabled()).build()) {
            long hour = Duration.ofHours(1).toNanos();
            long lastRetry = 0;
            long longestGapInLastTenMinutes = 0;
            while (now.get() < hour) {
                Pick p = lb.pick();
                if (p.endpoint().equals(A)) {
                    p.onFailure(1_000_000);
                    if (now.get() > hour - Duration.ofMinutes(10).toNanos()) {
                        longestGapInLastTenMinutes =
                                Math.max(longestGapInLastTenMinutes, now.get() - lastRetry);
                    }
                    lastRetry = now.get();
                } else {
                    p.onSuccess(1_000_000);
                }
                now.addAndGet(10_000_000);
            }
            assertTrue(longestGapInLastTenMinutes <= Duration.ofSeconds(15).toNanos(),
                    "A retried at most every " + Duration.ofNanos(longestGapInLastTenMinutes));
        }
    }

    static Pick pickUntil(LoadBalancer lb, Endpoint wanted) {
        for (int k = 0; k < 1_000; k++) {
            Pick p = lb.pick();
            if (p.endpoint().equals(wanted)) {
                return p;
            }
            p.release();
        }
        throw new AssertionError(wanted + " never picked in 1,000 tries");
    }

    /** The endpoint, in-flight, success and failure counts, and no latency. */
    static void assertStats(EndpointStats actual, Endpoint endpoint, int inFlight,
            long successes, long failures) {
        String what = actual.toString();
        assertEquals(endpoint, actual.endpoint(), what);
        assertEquals(inFlight, actual.inFlight(), what);
        assertEquals(successes, actual.successes(), what);
        assertEquals(failures, actual.failures(), what);
        assertEquals(Optional.empty(), actual.latency(), what);
    }

    static EndpointStats stats(LoadBalancer lb, Endpoint e) {
        return lb.stats().stream().filter(s -> s.endpoint().address().equals(e.address()))
                .findFirst().orElseThrow(() -> new AssertionError(e + " not in " + lb.stats()));
    }
}
