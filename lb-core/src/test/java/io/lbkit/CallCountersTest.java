package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CallCountersTest {

    private static final Endpoint A = Endpoint.of("10.0.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.0.0.2", 80);

    private static LoadBalancer balancer(EndpointGroup group) {
        return LoadBalancer.builder(group).strategy(Strategy.roundRobin())
                .outlierDetection(OutlierDetection.disabled()).build();
    }

    private static void assertCounts(CallCounters c, long ok, long failed, long released,
            long okNanos, long failedNanos) {
        assertEquals(List.of(ok, failed, released, okNanos, failedNanos),
                List.of(c.successes(), c.failures(), c.releases(), c.successNanos(),
                        c.failureNanos()), c.toString());
    }

    @Test
    void counters_countEveryReportByOutcomeWithItsLatency() {
        try (LoadBalancer lb = balancer(EndpointGroup.of(A, B))) {
            Pick a = lb.pick(); // round robin starts at a random offset: a is A or B, b the other
            Pick b = lb.pick();
            assertTrue(!a.endpoint().equals(b.endpoint()), "round robin alternates");
            a.onSuccess(1_000);
            b.onFailure(7_000);
            lb.pick().onSuccess(-5); // a's again; a negative latency counts as 0
            lb.pick().release(); // b's
            lb.pick(); // a's, in flight: counts nowhere yet
            assertCounts(lb.counters(), 2, 1, 1, 1_000, 7_000);
            assertCounts(lb.counters(a.endpoint()).orElseThrow(), 2, 0, 0, 1_000, 0);
            assertCounts(lb.counters(b.endpoint()).orElseThrow(), 0, 1, 1, 0, 7_000);
            int ia = a.endpoint().equals(A) ? 0 : 1; // stats() lists the group's order: A, B
            assertEquals(2, lb.stats().get(ia).successes(), "stats agree with the counters");
            assertEquals(1, lb.stats().get(1 - ia).failures());
        }
    }

    @Test
    void counters_keepTheCallsOfEndpointsThatLeft_includingReportsAfterLeaving() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A, B);
        try (LoadBalancer lb = balancer(group)) {
            CallCounters total = lb.counters();
            Pick first = lb.pick(); // x: A or B (round robin starts at a random offset)
            Endpoint x = first.endpoint();
            Endpoint y = x.equals(A) ? B : A;
            CallCounters ofY = lb.counters(y).orElseThrow();
            first.onSuccess(10); // x
            Pick late = lb.pick(); // y, reported after y left
            assertEquals(y, late.endpoint());
            lb.pick().onFailure(20); // x
            group.remove(y);
            assertTrue(lb.counters(y).isEmpty(), "y is not in the snapshot");
            assertCounts(total, 1, 1, 0, 10, 20);
            late.onSuccess(40);
            assertCounts(total, 2, 1, 0, 50, 20);
            assertCounts(ofY, 1, 0, 0, 40, 0); // the old view still reads y's calls
            group.add(y);
            CallCounters again = lb.counters(y).orElseThrow();
            assertFalse(again == ofY, "a rejoined endpoint has a new view");
            assertCounts(again, 0, 0, 0, 0, 0);
            lb.pick().onSuccess(100);
            lb.pick().onSuccess(100);
            assertCounts(total, 4, 1, 0, 250, 20); // y's first stint still counts
            group.remove(A);
            group.remove(B);
            assertCounts(total, 4, 1, 0, 250, 20);
        }
    }

    @Test
    void departedEndpoint_isFoldedOnlyWhenIdleAndPastTheGrace_andItsCountsStay() {
        AtomicLong now = new AtomicLong();
        DynamicEndpointGroup group = EndpointGroup.dynamic(A, B);
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin())
                .outlierDetection(OutlierDetection.disabled()).ticker(now::get).build()) {
            BalancerCounters total = (BalancerCounters) lb.counters();
            Pick first = lb.pick(); // A or B: round robin starts at a random offset
            first.onSuccess(1);
            Pick inFlight = lb.pick(); // the other one
            assertFalse(inFlight.endpoint().equals(first.endpoint()));
            group.remove(inFlight.endpoint());
            now.addAndGet(BalancerCounters.GRACE_NANOS);
            assertCounts(total, 1, 0, 0, 1, 0);
            assertEquals(1, total.departedCount(), "the removed one has a call in flight: still live");
            inFlight.onFailure(9);
            assertCounts(total, 1, 1, 0, 1, 9);
            assertEquals(0, total.departedCount(), "idle and past the grace: folded");
            assertCounts(total, 1, 1, 0, 1, 9);
            group.remove(first.endpoint());
            now.addAndGet(BalancerCounters.GRACE_NANOS - 1);
            assertCounts(total, 1, 1, 0, 1, 9);
            assertEquals(1, total.departedCount(), "idle but within the grace: still live");
            now.incrementAndGet();
            assertCounts(total, 1, 1, 0, 1, 9);
            assertEquals(0, total.departedCount());
        }
    }

    @Test
    void counters_ofATrafficSplit_sumItsRoutes() {
        LoadBalancer blue = balancer(EndpointGroup.of(A));
        LoadBalancer green = balancer(EndpointGroup.of(A, B));
        try (TrafficSplit split = TrafficSplit.builder().route("blue", blue, 1)
                .route("green", green, 1).build()) {
            blue.pick().onSuccess(5);
            Pick failed = green.pick(); // A or B: round robin starts at a random offset
            failed.onFailure(6);
            green.pick().onSuccess(7); // the other one
            assertCounts(split.counters(), 2, 1, 0, 12, 6);
            if (failed.endpoint().equals(A)) {
                assertCounts(split.counters(A).orElseThrow(), 1, 1, 0, 5, 6);
                assertCounts(split.counters(B).orElseThrow(), 1, 0, 0, 7, 0);
            } else {
                assertCounts(split.counters(A).orElseThrow(), 2, 0, 0, 12, 0);
                assertCounts(split.counters(B).orElseThrow(), 0, 1, 0, 0, 6);
            }
            assertTrue(split.counters(Endpoint.of("10.9.9.9", 80)).isEmpty());
            assertEquals(split.counters(A), split.counters(A), "same routes: equal views");
            assertFalse(split.counters(A).equals(split.counters(B)));
        }
    }

    @Test
    void widen_continuesPastTheWrapOf32Bits() {
        long max = 0xFFFF_FFFFL;
        assertEquals(max, EndpointCounters.widen(max - 3, max));
        assertEquals(max + 1, EndpointCounters.widen(max - 3, 0));
        assertEquals(max + 6, EndpointCounters.widen(max, 5));
        assertEquals(3 * (max + 1) + 2, EndpointCounters.widen(3 * (max + 1) - 1, 2));
        assertEquals(7, EndpointCounters.widen(7, 7), "no change, no step");
    }

    @Test
    void observerWithoutOnCall_isNotCalledPerReport_butOneWithItIs() {
        try (LoadBalancer lb = balancer(EndpointGroup.of(A))) {
            List<String> events = new ArrayList<>();
            lb.observe(new LoadBalancerObserver() {
                @Override
                public void onRejected(NoEndpointAvailableException.Reason reason) {
                    events.add("rejected");
                }
            });
            LoadBalancerObserverTest.Recorder calls = new LoadBalancerObserverTest.Recorder();
            lb.observe(calls);
            lb.pick().onSuccess(1);
            assertEquals(List.of("call 10.0.0.1:80 SUCCESS 1"), calls.seen);
            assertEquals(List.of(), events);
        }
    }

    /** Four reporters and a reader: every value read only grows, and the end is exact. */
    @Test
    void counters_underConcurrentReports_growMonotonicallyAndEndExact() throws Exception {
        int threads = 4;
        int calls = 50_000;
        DynamicEndpointGroup group = EndpointGroup.dynamic(A, B);
        try (LoadBalancer lb = balancer(group)) {
            CallCounters total = lb.counters();
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<String> regression = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                long[] last = new long[5];
                while (!done.get()) {
                    long[] now = {total.successes(), total.failures(), total.releases(),
                            total.successNanos(), total.failureNanos()};
                    for (int i = 0; i < 5; i++) {
                        if (now[i] < last[i]) {
                            regression.compareAndSet(null, "count " + i + " fell from "
                                    + last[i] + " to " + now[i]);
                        }
                    }
                    last = now;
                }
            });
            reader.start();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    for (int i = 0; i < calls; i++) {
                        Pick p = lb.pick();
                        switch (i % 4) {
                            case 0:
                                p.onFailure(3);
                                break;
                            case 1:
                                p.release();
                                break;
                            default:
                                p.onSuccess(2);
                        }
                    }
                });
                w.start();
                workers.add(w);
            }
            start.countDown();
            // Membership churn while reporting: B leaves and rejoins; nothing may be lost.
            for (int i = 0; i < 20; i++) {
                group.remove(B);
                group.add(B);
            }
            for (Thread w : workers) {
                w.join();
            }
            done.set(true);
            reader.join();
            assertEquals(null, regression.get());
            long n = (long) threads * calls;
            assertCounts(total, n / 2, n / 4, n / 4, n / 2 * 2, n / 4 * 3);
            assertSame(total, lb.counters());
        }
    }
}
