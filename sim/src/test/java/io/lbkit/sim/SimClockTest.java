package io.lbkit.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.health.HealthStatus;
import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SimClockTest {

    @Test
    void events_runInDueTimeOrder_firstScheduledFirstAmongEqualTimes() {
        SimClock clock = new SimClock();
        List<String> ran = new ArrayList<>();
        clock.at(30, () -> ran.add("c@" + clock.read()));
        clock.at(10, () -> ran.add("a@" + clock.read()));
        clock.at(20, () -> ran.add("b1@" + clock.read()));
        clock.at(20, () -> ran.add("b2@" + clock.read()));
        clock.at(10, () -> clock.after(5, () -> ran.add("nested@" + clock.read())));
        clock.runUntil(100);
        assertEquals(List.of("a@10", "nested@15", "b1@20", "b2@20", "c@30"), ran);
        assertEquals(100, clock.read());
    }

    @Test
    void runUntil_leavesLaterEventsPending_andNeverMovesTimeBackwards() {
        SimClock clock = new SimClock();
        List<Long> ran = new ArrayList<>();
        clock.at(50, () -> ran.add(clock.read()));
        clock.at(150, () -> ran.add(clock.read()));
        clock.runUntil(100);
        assertEquals(List.of(50L), ran);
        assertEquals(1, clock.pending());
        clock.runUntil(20);
        assertEquals(100, clock.read());
        clock.at(0, () -> ran.add(clock.read())); // in the past: runs now, not before
        clock.runUntil(200);
        assertEquals(List.of(50L, 100L, 150L), ran);
    }

    @Test
    void scheduledTask_cancelledBeforeItsTime_neverRuns() {
        SimClock clock = new SimClock();
        List<String> ran = new ArrayList<>();
        ScheduledFuture<?> f = clock.schedule(() -> {
            ran.add("cancelled");
        }, 1, TimeUnit.SECONDS);
        clock.schedule(() -> {
            ran.add("kept");
        }, 2, TimeUnit.SECONDS);
        assertEquals(1_000_000_000L, f.getDelay(TimeUnit.NANOSECONDS));
        assertTrue(f.cancel(false));
        clock.runUntil(TimeUnit.SECONDS.toNanos(3));
        assertEquals(List.of("kept"), ran);
        assertTrue(f.isCancelled());
        assertFalse(f.cancel(false));
    }

    /** lbkit's own timers (here: the end of an ejection) run on the simulated clock. */
    @Test
    void lbkitEjection_endsAfterItsBaseTime_inSimulatedTime() {
        SimClock clock = new SimClock();
        Endpoint a = Endpoint.of("10.0.0.1", 80);
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(a, Endpoint.of("10.0.0.2", 80)))
                .strategy(Strategy.roundRobin())
                .ticker(clock)
                .scheduler(clock)
                .outlierDetection(OutlierDetection.ofDefaults())
                .build();
        int failures = 0;
        while (failures < 5) {
            Pick p = lb.pick();
            if (p.endpoint().equals(a)) {
                p.onFailure(1_000_000);
                failures++;
            } else {
                p.onSuccess(1_000_000);
            }
        }
        assertEquals(HealthStatus.EJECTED, status(lb, a));
        clock.runUntil(TimeUnit.SECONDS.toNanos(29));
        assertEquals(HealthStatus.EJECTED, status(lb, a));
        clock.runUntil(TimeUnit.SECONDS.toNanos(31));
        assertEquals(HealthStatus.HEALTHY, status(lb, a));
        lb.close();
    }

    private static HealthStatus status(LoadBalancer lb, Endpoint e) {
        for (EndpointStats s : lb.stats()) {
            if (s.endpoint().equals(e)) {
                return s.health();
            }
        }
        throw new AssertionError(e + " not in " + lb.stats());
    }
}
