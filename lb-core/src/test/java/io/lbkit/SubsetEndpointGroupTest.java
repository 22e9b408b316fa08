package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The snapshot behaviour of {@link SubsetEndpointGroup}. */
class SubsetEndpointGroupTest {

    /** A source the test publishes to, not ready until the first publish. */
    static final class ManualGroup extends AbstractEndpointGroup {
        void publish(List<Endpoint> endpoints) {
            update(endpoints);
        }
    }

    private static final List<Endpoint> POOL = SubsetProperties.pool(30, 0);

    @Test
    void subset_isReadyWithTheSourcesFirstSnapshot_sameObjectsInSourceOrder() throws Exception {
        List<Endpoint> reversed = new ArrayList<>(POOL);
        Collections.reverse(reversed);
        try (SubsetEndpointGroup g = EndpointGroup.subset(EndpointGroup.of(reversed),
                Subsetting.deterministic(2, 6, 5))) {
            List<Endpoint> subset = g.whenReady().get(5, TimeUnit.SECONDS);
            assertEquals(5, subset.size());
            assertEquals(subset, g.endpoints());
            List<Endpoint> inSourceOrder = new ArrayList<>(reversed);
            inSourceOrder.retainAll(subset);
            assertEquals(inSourceOrder, subset, "the source's order");
            for (Endpoint e : subset) {
                assertSame(reversed.get(reversed.indexOf(e)), e, "the source's objects");
            }
        }
    }

    @Test
    void subset_isNotReadyBeforeTheSource_andFollowsItsFirstSnapshot() throws Exception {
        ManualGroup source = new ManualGroup();
        try (SubsetEndpointGroup g = EndpointGroup.subset(source, Subsetting.random(3))) {
            List<List<Endpoint>> seen = new ArrayList<>();
            g.subscribe(seen::add);
            assertFalse(g.whenReady().isDone());
            assertEquals(List.of(), g.endpoints());
            assertEquals(List.of(), seen, "nothing before the source is ready");
            source.publish(POOL);
            assertEquals(3, g.whenReady().get(5, TimeUnit.SECONDS).size());
            assertEquals(List.of(g.endpoints()), seen);
        }
    }

    @Test
    void sourceChangesOutsideTheSubset_publishNothing_changesInsideDo() {
        DynamicEndpointGroup source = EndpointGroup.dynamic(POOL.toArray(new Endpoint[0]));
        try (SubsetEndpointGroup g = EndpointGroup.subset(source,
                Subsetting.rendezvous("pod-1", 4))) {
            List<List<Endpoint>> seen = new ArrayList<>();
            g.subscribe(seen::add);
            List<Endpoint> first = g.endpoints();
            Endpoint outside = POOL.stream().filter(e -> !first.contains(e)).findFirst()
                    .orElseThrow();
            source.remove(outside);
            assertEquals(List.of(first), seen, "a removal outside the subset changes nothing");
            assertEquals(29, g.stats().sourceSize());

            Endpoint member = first.get(0);
            Endpoint heavier = Endpoint.of(member.host(), member.port(), 5);
            source.add(heavier);
            assertEquals(2, seen.size(), "a member's new weight is published");
            assertTrue(g.endpoints().contains(heavier));
            assertEquals(0, g.stats().changes(), "but is no membership change");

            source.remove(member);
            assertEquals(3, seen.size());
            assertFalse(g.endpoints().contains(heavier));
            assertEquals(4, g.endpoints().size(), "a leaving member is replaced");
            SubsetEndpointGroup.Stats stats = g.stats();
            assertEquals(1, stats.changes());
            assertEquals(1, stats.added());
            assertEquals(1, stats.removed());
            assertEquals(g.endpoints(), stats.members());
            assertEquals(4, stats.size());
            assertEquals(4, stats.targetSize());
        }
    }

    @Test
    void listeners_receiveEverySnapshotInOrder_andAThrowingOneStopsNothing_evenWithAnError() {
        DynamicEndpointGroup source = EndpointGroup.dynamic(POOL.get(0));
        try (SubsetEndpointGroup g = EndpointGroup.subset(source,
                Subsetting.deterministic(0, 1, 2))) {
            g.subscribe(s -> {
                throw new IllegalStateException("listener bug (expected by this test)");
            });
            // An Error used to escape the delivery loop and leave it marked busy for good.
            g.subscribe(s -> {
                throw new Error("listener bug (expected by this test)");
            });
            List<List<Endpoint>> seen = new ArrayList<>();
            EndpointGroup.Subscription sub = g.subscribe(seen::add);
            source.add(POOL.get(1));
            source.add(POOL.get(2)); // a third endpoint in a subset of 2: may change nothing
            source.remove(POOL.get(0));
            sub.close();
            source.remove(POOL.get(1));
            List<List<Endpoint>> expected = new ArrayList<>();
            List<Endpoint> last = null;
            for (List<Endpoint> snapshot : List.of(List.of(POOL.get(0)),
                    List.of(POOL.get(0), POOL.get(1)),
                    Subsetting.deterministic(0, 1, 2).select(POOL.subList(0, 3)),
                    List.of(POOL.get(1), POOL.get(2)))) {
                if (!snapshot.equals(last)) {
                    expected.add(snapshot);
                }
                last = snapshot;
            }
            assertEquals(expected, seen);
        }
    }

    @Test
    void delivery_runsOutsideTheGroupsLock_soAnotherThreadNeverWaitsForAListener()
            throws Exception {
        DynamicEndpointGroup source = EndpointGroup.dynamic(POOL.get(0));
        try (SubsetEndpointGroup g = EndpointGroup.subset(source, Subsetting.random(5))) {
            CountDownLatch inListener = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            g.subscribe(snapshot -> {
                if (snapshot.size() == 2) {
                    inListener.countDown();
                    await(release);
                }
            });
            Thread updater = new Thread(() -> source.add(POOL.get(1)), "updater");
            updater.start();
            assertTrue(inListener.await(10, TimeUnit.SECONDS));
            // The updater is inside a listener now. Everything else proceeds.
            List<List<Endpoint>> late = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    assertEquals(2, g.endpoints().size());
                    assertEquals(2, g.stats().size());
                    g.subscribe(late::add);
                    g.whenReady().get(1, TimeUnit.SECONDS);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "other");
            other.start();
            other.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(other.isAlive(), "subscribe waited for a listener on another thread");
            assertEquals(null, failure.get());
            release.countDown();
            updater.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(updater.isAlive());
            assertEquals(List.of(g.endpoints()), late,
                    "the late listener gets the current snapshot, from the delivering thread");
        }
    }

    @Test
    void concurrentChangesAndSubscriptions_everyListenerSeesAGaplessSuffixOfOneOrder()
            throws Exception {
        DynamicEndpointGroup source = EndpointGroup.dynamic(POOL.subList(0, 10)
                .toArray(new Endpoint[0]));
        try (SubsetEndpointGroup g = EndpointGroup.subset(source,
                Subsetting.deterministic(1, 4, 3))) {
            List<List<Endpoint>> first = Collections.synchronizedList(new ArrayList<>());
            g.subscribe(first::add);
            List<List<List<Endpoint>>> late = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                threads.add(new Thread(() -> {
                    try {
                        go.await();
                        java.util.Random random = new java.util.Random(seed);
                        for (int i = 0; i < 300; i++) {
                            Endpoint e = POOL.get(random.nextInt(POOL.size()));
                            if (random.nextBoolean()) {
                                source.add(e);
                            } else {
                                source.remove(e);
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "changer-" + t));
            }
            for (int t = 0; t < 2; t++) {
                threads.add(new Thread(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < 20; i++) {
                            List<List<Endpoint>> seen =
                                    Collections.synchronizedList(new ArrayList<>());
                            late.add(seen);
                            g.subscribe(seen::add);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }, "subscriber-" + t));
            }
            threads.forEach(Thread::start);
            go.countDown();
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                assertFalse(t.isAlive(), t.getName() + " did not finish");
            }
            assertEquals(null, failure.get());
            List<List<Endpoint>> order = List.copyOf(first);
            assertEquals(g.endpoints(), order.get(order.size() - 1), "ends at the last subset");
            for (int i = 1; i < order.size(); i++) {
                assertFalse(order.get(i).equals(order.get(i - 1)), "no snapshot twice in a row");
            }
            for (List<List<Endpoint>> seen : late) {
                List<List<Endpoint>> mine = List.copyOf(seen);
                int start = order.size() - mine.size();
                assertTrue(start >= 0, "a late listener saw more than the first one");
                assertEquals(order.subList(start, order.size()), mine,
                        "a late listener sees the current subset, then every later one");
            }
        }
    }

    @Test
    void balancerState_survivesForAddressesThatStayInTheSubset() {
        DynamicEndpointGroup source = EndpointGroup.dynamic(POOL.toArray(new Endpoint[0]));
        SubsetEndpointGroup g = EndpointGroup.subset(source, Subsetting.rendezvous("pod-2", 3));
        try (LoadBalancer lb = LoadBalancer.builder(g).strategy(Strategy.roundRobin()).build()) {
            Pick held = lb.pick();
            Endpoint kept = held.endpoint();
            Endpoint dropped = g.endpoints().stream().filter(e -> !e.equals(kept)).findFirst()
                    .orElseThrow();
            source.remove(dropped);
            assertFalse(g.endpoints().contains(dropped));
            assertTrue(g.endpoints().contains(kept));
            EndpointStats stats = lb.stats().stream().filter(s -> s.endpoint().equals(kept))
                    .findFirst().orElseThrow();
            assertEquals(1, stats.inFlight(), "the in-flight call is still counted");
            held.release();
        } finally {
            g.close();
        }
    }

    @Test
    void close_closesTheSource_stopsDelivery_andFailsAPendingWhenReady() {
        ManualGroup source = new ManualGroup();
        SubsetEndpointGroup g = EndpointGroup.subset(source, Subsetting.random(2));
        List<List<Endpoint>> seen = new ArrayList<>();
        g.subscribe(seen::add);
        g.close();
        g.close(); // idempotent
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> g.whenReady().get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException);
        source.publish(POOL);
        assertEquals(List.of(), seen);
        assertTrue(source.isClosed());
        assertEquals(List.of(), g.endpoints());
    }

    @Test
    void subset_rejectsNulls() {
        assertThrows(NullPointerException.class,
                () -> EndpointGroup.subset(null, Subsetting.random(1)));
        try (EndpointGroup source = EndpointGroup.of(POOL)) {
            assertThrows(NullPointerException.class, () -> EndpointGroup.subset(source, null));
        }
    }

    /** The README's snippet, compiled and run. */
    @Test
    void readmeSnippet_connectsToTwentyOfTheFleet() {
        DynamicEndpointGroup fleet = EndpointGroup.dynamic(
                SubsetProperties.pool(300, 0).toArray(new Endpoint[0]));
        int podOrdinal = 17;
        int replicas = 50;
        // README: subsetting
        LoadBalancer lb = LoadBalancer.builder(
                EndpointGroup.subset(fleet, Subsetting.deterministic(podOrdinal, replicas, 20)))
                .strategy(Strategy.leastRequest())
                .build();
        // end README
        try (lb) {
            assertEquals(20, lb.stats().size());
        } finally {
            fleet.close();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("not released within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
