package io.lbkit.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The group's task serialiser on a many-threaded scheduler. */
@Timeout(30)
class SerialExecutorTest {

    @Test
    void tasksRunOneAtATime_inOrderPerSubmitter_andAThrowingTaskStopsNothing() throws Exception {
        ScheduledExecutorService pool = Executors.newScheduledThreadPool(4);
        try {
            SerialExecutor serial = new SerialExecutor(pool, "test");
            int submitters = 4;
            int perSubmitter = 5_000;
            AtomicInteger running = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            List<List<Integer>> seen = new ArrayList<>(); // touched only by serial tasks
            for (int s = 0; s < submitters; s++) {
                seen.add(new ArrayList<>());
            }
            CountDownLatch done = new CountDownLatch(submitters * perSubmitter);
            Thread[] threads = new Thread[submitters];
            for (int s = 0; s < submitters; s++) {
                int submitter = s;
                threads[s] = new Thread(() -> {
                    for (int i = 0; i < perSubmitter; i++) {
                        int n = i;
                        serial.execute(() -> {
                            if (running.incrementAndGet() != 1) {
                                overlaps.incrementAndGet();
                            }
                            seen.get(submitter).add(n);
                            running.decrementAndGet();
                            done.countDown();
                            if (n % 2000 == 0) {
                                throw new AssertionError("an Error");
                            }
                            if (n % 1000 == 0) {
                                throw new IllegalStateException("a RuntimeException");
                            }
                        });
                    }
                });
                threads[s].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertTrue(done.await(20, TimeUnit.SECONDS), "every task ran despite the throwing ones");
            assertEquals(0, overlaps.get(), "never two tasks at once");
            CountDownLatch last = new CountDownLatch(1);
            serial.execute(last::countDown); // happens-after every earlier task
            assertTrue(last.await(5, TimeUnit.SECONDS));
            for (List<Integer> list : seen) {
                assertEquals(perSubmitter, list.size());
                for (int i = 0; i < perSubmitter; i++) {
                    assertEquals(i, list.get(i), "submission order");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void afterShutdown_tasksAreDropped_andScheduleReturnsNull() {
        ScheduledExecutorService pool = Executors.newSingleThreadScheduledExecutor();
        pool.shutdownNow();
        SerialExecutor serial = new SerialExecutor(pool, "test");
        serial.execute(() -> {
            throw new AssertionError("must not run");
        });
        assertNull(serial.schedule(() -> { }, 1));
    }
}
