package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.testing.Await;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Regression tests: health events reached the user's listener while the balancer's lock was
 * held, and groups delivered snapshots (into the balancer's lock) while holding their own, so a
 * listener editing the group deadlocked against a concurrent edit.
 */
@Timeout(60)
class CallbackLockingTest {

    private static final Endpoint A = Endpoint.of("10.7.0.1", 80);
    private static final Endpoint B = Endpoint.of("10.7.0.2", 80);
    private static final Endpoint C = Endpoint.of("10.7.0.3", 80);
    private static final Endpoint D = Endpoint.of("10.7.0.4", 80);

    @Test
    void healthListenerEditingTheGroup_doesNotDeadlockAgainstAConcurrentEdit() throws Exception {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A, B);
        CountDownLatch inListener = new CountDownLatch(1);
        Thread[] editor = new Thread[1];
        ManualClock clock = new ManualClock();
        LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin())
                .ticker(clock).scheduler(clock).panicThreshold(0)
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1)
                        .maxEjectionPercent(100).build())
                .healthListener(event -> {
                    if (event.type() != HealthEvent.Type.EJECTED) {
                        return;
                    }
                    inListener.countDown();
                    // let the other edit get as far as it can: before the fix, blocked on the
                    // balancer's lock while it holds the group's
                    Await.until("the other edit to block or finish", Duration.ofSeconds(10),
                            () -> editor[0].getState() == Thread.State.BLOCKED
                                    || editor[0].getState() == Thread.State.TERMINATED,
                            () -> editor[0].getState());
                    group.add(C);
                })
                .build();
        editor[0] = new Thread(() -> {
            try {
                inListener.await();
            } catch (InterruptedException e) {
                return;
            }
            group.add(D);
        }, "editor");
        editor[0].setDaemon(true);
        editor[0].start();
        Thread reporter = new Thread(() -> lb.pick().onFailure(1_000), "reporter");
        reporter.setDaemon(true);
        reporter.start();

        reporter.join(TimeUnit.SECONDS.toMillis(10));
        editor[0].join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(reporter.isAlive(), "deadlock: reporter " + reporter.getState());
        assertFalse(editor[0].isAlive(), "deadlock: editor " + editor[0].getState());
        assertEquals(4, group.endpoints().size());
        assertEquals(4, lb.stats().size(), "the balancer saw both edits");
        lb.close();
    }

    @Test
    void healthListener_runsOutsideTheBalancersLock_andSeesTheNewTable() throws Exception {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A, B);
        ManualClock clock = new ManualClock();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        LoadBalancer[] lb = new LoadBalancer[1];
        lb[0] = LoadBalancer.builder(group).strategy(Strategy.roundRobin())
                .ticker(clock).scheduler(clock).panicThreshold(0)
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1)
                        .maxEjectionPercent(100).build())
                .healthListener(event -> {
                    // another thread can take the balancer's lock (stats() does) while we run
                    Thread t = new Thread(() -> seen.add("stats " + lb[0].stats().size()));
                    t.start();
                    try {
                        t.join(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    seen.add(event.type() + " alive=" + t.isAlive());
                })
                .build();
        Pick p = lb[0].pick();
        p.onFailure(1);
        assertEquals(List.of("stats 2", "EJECTED alive=false"), seen);
        lb[0].close();
    }

    @Test
    void listenersThatThrowErrors_stopNoTimerAndNoOtherListener() {
        DynamicEndpointGroup group = EndpointGroup.dynamic(A, B);
        ManualClock clock = new ManualClock();
        AtomicInteger events = new AtomicInteger();
        LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin())
                .ticker(clock).scheduler(clock).panicThreshold(0)
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1)
                        .baseEjectionTime(Duration.ofSeconds(30)).maxEjectionPercent(100).build())
                .healthListener(event -> {
                    events.incrementAndGet();
                    throw new AssertionError("a listener's bug");
                })
                .build();
        List<List<Endpoint>> snapshots = new ArrayList<>();
        group.subscribe(s -> {
            throw new Error("a group listener's bug");
        });
        group.subscribe(snapshots::add);
        lb.pick().onFailure(1); // ejects one
        assertEquals(1, events.get());
        clock.advance(Duration.ofSeconds(31)); // the restore timer still runs
        assertEquals(2, events.get(), "RESTORED delivered after the listener threw");
        assertTrue(lb.stats().stream().allMatch(s -> s.health() == HealthStatus.HEALTHY));
        group.add(C);
        assertEquals(List.of(List.of(A, B), List.of(A, B, C)), snapshots,
                "the next group listener ran although the one before it threw an Error");
        lb.close();
    }
}
