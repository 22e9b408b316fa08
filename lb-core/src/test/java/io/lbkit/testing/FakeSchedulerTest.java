package io.lbkit.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The fake's tasks keep {@link java.util.concurrent.Future}'s contract for cancel. */
class FakeSchedulerTest {

    @Test
    void secondCancelReturnsFalse() {
        FakeScheduler scheduler = new FakeScheduler();
        List<String> ran = new ArrayList<>();
        ScheduledFuture<?> task = scheduler.schedule(
                () -> { ran.add("task"); }, 1, TimeUnit.SECONDS);

        assertTrue(task.cancel(false));
        assertFalse(task.cancel(false));
        assertTrue(task.isCancelled());
        scheduler.advance(Duration.ofSeconds(2));
        assertEquals(List.of(), ran);
    }

    @Test
    void cancelAfterRunReturnsFalse() {
        FakeScheduler scheduler = new FakeScheduler();
        List<String> ran = new ArrayList<>();
        ScheduledFuture<?> task = scheduler.schedule(
                () -> { ran.add("task"); }, 1, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(1));
        assertEquals(List.of("task"), ran);
        assertFalse(task.cancel(false));
        assertFalse(task.isCancelled());
        assertTrue(task.isDone());
    }

    @Test
    void cancelledPeriodicTaskStopsRepeating() {
        FakeScheduler scheduler = new FakeScheduler();
        List<Long> runs = new ArrayList<>();
        ScheduledFuture<?> task = scheduler.scheduleAtFixedRate(
                () -> { runs.add(scheduler.read()); }, 1, 1, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(2));
        assertEquals(2, runs.size());
        assertTrue(task.cancel(false));
        assertFalse(task.cancel(false));
        scheduler.advance(Duration.ofSeconds(5));
        assertEquals(2, runs.size());
    }
}
