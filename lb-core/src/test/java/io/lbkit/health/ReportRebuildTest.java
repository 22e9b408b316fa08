package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Candidates;
import io.lbkit.strategy.Picker;
import io.lbkit.strategy.Strategy;
import io.lbkit.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression tests: a report that crossed a health threshold rebuilt the routing table under the
 * balancer's lock on the reporting thread, so concurrent threshold crossings queued behind each
 * other's builds (a ring of many endpoints takes milliseconds each; over 1 s was observed under
 * load). Now one thread builds at a time, outside the lock, and the others return at once.
 */
@Timeout(60)
class ReportRebuildTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    /** Round robin whose next picker build, once armed, blocks until released. */
    private static final class GatedStrategy implements Strategy {
        final AtomicBoolean armed = new AtomicBoolean();
        /** Whether the armed build, once released, throws (a strategy bug, an Error). */
        final AtomicBoolean failArmed = new AtomicBoolean();
        final CountDownLatch building = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicReference<Thread> concurrent = new AtomicReference<>();
        private final AtomicReference<Thread> inBuild = new AtomicReference<>();

        @Override
        public Picker newPicker(Candidates candidates) {
            Thread self = Thread.currentThread();
            if (!inBuild.compareAndSet(null, self)) {
                concurrent.set(self); // Strategy promises one thread at a time
            }
            try {
                if (armed.compareAndSet(true, false)) {
                    building.countDown();
                    try {
                        if (!release.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                            throw new AssertionError("never released");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    if (failArmed.get()) {
                        throw new IllegalStateException("a strategy bug, in this build only");
                    }
                }
                return Strategy.roundRobin().newPicker(candidates);
            } finally {
                inBuild.compareAndSet(self, null);
            }
        }
    }

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            eps.add(Endpoint.of("10.9.0." + i, 80));
        }
        return eps;
    }

    private static OutlierDetection ejectOnFirstFailure() {
        return OutlierDetection.builder().consecutiveFailures(1).maxEjectionPercent(100).build();
    }

    /** One outstanding pick of each endpoint, by address. */
    private static Map<String, Pick> onePickEach(LoadBalancer lb, int n) {
        Map<String, Pick> picks = new HashMap<>();
        for (int i = 0; i < 10 * n && picks.size() < n; i++) {
            Pick p = lb.pick();
            if (picks.putIfAbsent(p.endpoint().address(), p) != null) {
                p.release();
            }
        }
        assertEquals(n, picks.size());
        return picks;
    }

    /** Starts {@code task} on a daemon thread named {@code name}. */
    private static Thread daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The addresses {@code count} picks return, each released at once. */
    private static Set<String> picked(LoadBalancer lb, int count) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Pick p = lb.pick();
            seen.add(p.endpoint().address());
            p.release();
        }
        return seen;
    }

    @Test
    void reportCrossingAThreshold_returnsWhileAnotherThreadsBuildIsBlocked_andBothChangesArePublished()
            throws Exception {
        GatedStrategy strategy = new GatedStrategy();
        ManualClock clock = new ManualClock();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        List<String> seenByListener = Collections.synchronizedList(new ArrayList<>());
        LoadBalancer[] lbRef = new LoadBalancer[1];
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(4)))
                .strategy(strategy).ticker(clock).scheduler(clock).panicThreshold(0)
                .outlierDetection(ejectOnFirstFailure())
                .healthListener(e -> {
                    if (e.type() == HealthEvent.Type.EJECTED) {
                        String address = e.endpoint().orElseThrow().address();
                        events.add(address);
                        if (picked(lbRef[0], 16).contains(address)) {
                            seenByListener.add(address); // the event came before its table
                        }
                    }
                })
                .build()) {
            lbRef[0] = lb;
            Map<String, Pick> picks = onePickEach(lb, 4);
            strategy.armed.set(true);
            Thread a = daemon("reporter-a", () -> picks.get("10.9.0.1:80").onFailure(1_000));
            assertTrue(strategy.building.await(DEADLINE.toSeconds(), TimeUnit.SECONDS),
                    "reporter A never started a build");

            Thread b = daemon("reporter-b", () -> picks.get("10.9.0.2:80").onFailure(1_000));
            b.join(DEADLINE.toMillis());
            assertFalse(b.isAlive(), "reporter B waited behind A's build: " + b.getState());
            assertTrue(a.isAlive(), "A's build was released early");
            assertEquals(List.of(), events, "events delivered before their table was published");

            strategy.release.countDown();
            a.join(DEADLINE.toMillis());
            assertFalse(a.isAlive(), "reporter A never finished: " + a.getState());
            assertEquals(Set.of("10.9.0.3:80", "10.9.0.4:80"), picked(lb, 16),
                    "the published table reflects both ejections");
            assertEquals(List.of("10.9.0.1:80", "10.9.0.2:80"), events);
            assertEquals(List.of(), seenByListener);
            assertEquals(null, strategy.concurrent.get(), "two threads built pickers at once");
            picks.values().forEach(p -> {
                if (!p.endpoint().address().endsWith(".1:80")
                        && !p.endpoint().address().endsWith(".2:80")) {
                    p.release();
                }
            });
        }
    }

    @Test
    void groupEdit_whileAReportsBuildIsBlocked_isInEffectWhenItReturns() throws Exception {
        GatedStrategy strategy = new GatedStrategy();
        ManualClock clock = new ManualClock();
        DynamicEndpointGroup group = EndpointGroup.dynamic(endpoints(3).toArray(new Endpoint[0]));
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(strategy).ticker(clock)
                .scheduler(clock).panicThreshold(0).outlierDetection(ejectOnFirstFailure())
                .build()) {
            Map<String, Pick> picks = onePickEach(lb, 3);
            strategy.armed.set(true);
            Thread a = daemon("reporter", () -> picks.get("10.9.0.1:80").onFailure(1_000));
            assertTrue(strategy.building.await(DEADLINE.toSeconds(), TimeUnit.SECONDS));

            Endpoint added = Endpoint.of("10.9.0.9", 80);
            AtomicReference<Set<String>> afterAdd = new AtomicReference<>();
            Thread editor = new Thread(() -> {
                group.add(added);
                afterAdd.set(picked(lb, 16));
            }, "editor");
            editor.setDaemon(true);
            editor.start();
            Await.until("the edit to wait for the table", DEADLINE,
                    () -> editor.getState() == Thread.State.WAITING
                            || editor.getState() == Thread.State.TERMINATED,
                    editor::getState);
            strategy.release.countDown();
            editor.join(DEADLINE.toMillis());
            a.join(DEADLINE.toMillis());
            assertFalse(editor.isAlive());
            assertFalse(a.isAlive());
            assertEquals(Set.of("10.9.0.2:80", "10.9.0.3:80", "10.9.0.9:80"), afterAdd.get());
            assertEquals(null, strategy.concurrent.get(), "two threads built pickers at once");
        }
    }

    @Test
    void failureReport_onOneThread_isInEffectWhenItReturns_forEveryRingStrategy() {
        for (Strategy s : List.of(Strategy.ringHash(), Strategy.maglev(), Strategy.boundedLoad(),
                Strategy.rendezvous(), Strategy.roundRobin())) {
            ManualClock clock = new ManualClock();
            try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(5)))
                    .strategy(s).ticker(clock).scheduler(clock).panicThreshold(0)
                    .outlierDetection(ejectOnFirstFailure()).build()) {
                Pick victim = lb.pick(7L);
                String address = victim.endpoint().address();
                victim.onFailure(1_000);
                for (long k = 0; k < 200; k++) {
                    Pick p = lb.pick(k);
                    assertFalse(p.endpoint().address().equals(address), s + ": key " + k);
                    p.release();
                }
                assertTrue(clock.pendingDelays().stream().noneMatch(Duration::isZero),
                        s + ": no build left for the scheduler " + clock.pendingDelays());
            }
        }
    }

    @Test
    void concurrentEjections_publishEveryOne_andEachEventFollowsItsTable() throws Exception {
        int n = 10;
        int threads = 8;
        ManualClock clock = new ManualClock();
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        List<String> early = Collections.synchronizedList(new ArrayList<>());
        LoadBalancer[] lbRef = new LoadBalancer[1];
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(n)))
                .strategy(Strategy.ringHash()).ticker(clock).scheduler(clock).panicThreshold(0)
                .outlierDetection(ejectOnFirstFailure())
                .healthListener(e -> {
                    if (e.type() == HealthEvent.Type.EJECTED) {
                        String address = e.endpoint().orElseThrow().address();
                        events.add(address);
                        for (long k = 0; k < 400; k++) {
                            Pick p = lbRef[0].pick(k);
                            if (p.endpoint().address().equals(address)) {
                                early.add(address);
                            }
                            p.release();
                        }
                    }
                })
                .build()) {
            lbRef[0] = lb;
            Map<String, Pick> picks = new HashMap<>();
            for (long k = 0; picks.size() < n && k < 100_000; k++) {
                Pick p = lb.pick(k);
                if (picks.putIfAbsent(p.endpoint().address(), p) != null) {
                    p.release();
                }
            }
            assertEquals(n, picks.size());
            List<String> victims = new ArrayList<>(picks.keySet()).subList(0, threads);
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> reporters = new ArrayList<>();
            for (String v : victims) {
                Thread t = new Thread(() -> {
                    try {
                        start.await(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                    picks.get(v).onFailure(1_000);
                }, "reporter-" + v);
                t.setDaemon(true);
                reporters.add(t);
                t.start();
            }
            for (Thread t : reporters) {
                t.join(DEADLINE.toMillis());
                assertFalse(t.isAlive(), t.getName() + " " + t.getState());
            }
            // A rebuilder that met a stream of changes may have handed the rest to the scheduler.
            clock.runDue();
            Set<String> left = new HashSet<>();
            for (long k = 0; k < 2_000; k++) {
                Pick p = lb.pick(k);
                left.add(p.endpoint().address());
                p.release();
            }
            Set<String> expected = new HashSet<>(picks.keySet());
            victims.forEach(expected::remove);
            assertEquals(expected, left);
            assertEquals(Set.copyOf(victims), Set.copyOf(events));
            assertEquals(threads, events.size());
            assertEquals(List.of(), early, "an event was delivered before its table");
            for (String e : expected) {
                picks.get(e).release();
            }
        }
    }
    /**
     * A build that threw kept the rebuilder's place, or gave it up without a look at the changes
     * other threads had recorded meanwhile: B's ejection stayed out of the table until some later
     * change (seen in review).
     */
    @Test
    void buildThatThrows_stillPublishesTheChangesOtherThreadsRecordedMeanwhile() throws Exception {
        GatedStrategy strategy = new GatedStrategy();
        ManualClock clock = new ManualClock();
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(4)))
                .strategy(strategy).ticker(clock).scheduler(clock).panicThreshold(0)
                .outlierDetection(ejectOnFirstFailure()).build()) {
            Map<String, Pick> picks = onePickEach(lb, 4);
            strategy.failArmed.set(true);
            strategy.armed.set(true);
            Thread a = daemon("reporter-a", () -> picks.get("10.9.0.1:80").onFailure(1_000));
            assertTrue(strategy.building.await(DEADLINE.toSeconds(), TimeUnit.SECONDS),
                    "reporter A never started a build");
            Thread b = daemon("reporter-b", () -> picks.get("10.9.0.2:80").onFailure(1_000));
            b.join(DEADLINE.toMillis());
            assertFalse(b.isAlive(), "reporter B waited behind A's build");
            strategy.release.countDown();
            a.join(DEADLINE.toMillis());
            assertFalse(a.isAlive(), "reporter A never returned");
            clock.runDue(); // the catch-up the failed build handed to the scheduler
            Set<String> served = picked(lb, 100);
            assertFalse(served.contains("10.9.0.2:80"), () -> "B's ejection lost: " + served);
            assertFalse(served.contains("10.9.0.1:80"), () -> "A's ejection lost: " + served);
            assertEquals(Set.of("10.9.0.3:80", "10.9.0.4:80"), served);
        }
    }

    /**
     * The user's scheduler shut down before the balancer: the ramp step that a table with a
     * slow-starting endpoint schedules was refused, the exception left the rebuilder's place
     * taken, and the next group edit waited for a table that never came (seen in review).
     */
    @Test
    void schedulerShutDownBeforeTheBalancer_groupEditsStillReturnAndArePublished()
            throws Exception {
        ManualClock clock = new ManualClock();
        DynamicEndpointGroup group = EndpointGroup.dynamic(endpoints(2).toArray(new Endpoint[0]));
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin())
                .ticker(clock).scheduler(clock)
                .slowStart(SlowStart.of(Duration.ofSeconds(30))).build()) {
            clock.shutdown();
            group.add(Endpoint.of("10.9.0.3", 80)); // ramps; the next ramp step is refused
            Thread second = daemon("editor", () -> group.add(Endpoint.of("10.9.0.4", 80)));
            second.join(DEADLINE.toMillis());
            assertFalse(second.isAlive(), "a group edit waited for a table that never came");
            Set<String> served = picked(lb, 4_000);
            assertTrue(served.contains("10.9.0.4:80"), () -> "the edit is not in the table: "
                    + served);
        }
    }
}
