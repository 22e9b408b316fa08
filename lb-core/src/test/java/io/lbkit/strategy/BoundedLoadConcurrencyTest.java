package io.lbkit.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.internal.XxHash64;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class BoundedLoadConcurrencyTest {

    private static final int THREADS = 4;
    private static final int ROUNDS = 400;
    private static final int N = 8;

    /**
     * Rounds of concurrent picks on three hot keys, with calls held across rounds and completed
     * between them. In a pick phase the total only grows, to T at its end; a picker that chose
     * endpoint i saw it below ceil(c × T × w / W) (its capacity at the largest total it could have
     * seen), and only the k_i - 1 other picks racing onto i in the same phase can add to it. So at
     * the end of each phase load_i <= ceil(1.25 × T / n) + k_i - 1; with one pick on i, exactly
     * the bounded-load bound. Afterwards every call completes and nothing stays in flight.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void concurrentPicks_stayWithinCapacityPlusRacers_andInFlightReturnsToZero() throws Exception {
        TestCandidates cand = new TestCandidates(TestCandidates.equalWeights(200, N));
        Picker picker = BoundedLoad.DEFAULT.newPicker(cand);
        CyclicBarrier picksStart = new CyclicBarrier(THREADS);
        CyclicBarrier picksDone = new CyclicBarrier(THREADS);
        CyclicBarrier checked = new CyclicBarrier(THREADS);
        AtomicIntegerArray landed = new AtomicIntegerArray(N); // picks per endpoint this phase
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(id);
                    List<Integer> held = new ArrayList<>();
                    for (int round = 0; round < ROUNDS; round++) {
                        picksStart.await(10, TimeUnit.SECONDS);
                        int i = picker.pick(XxHash64.hashLong(random.nextInt(3), 0));
                        cand.acquire(i);
                        landed.incrementAndGet(i);
                        held.add(i);
                        picksDone.await(10, TimeUnit.SECONDS);
                        int total = 0;
                        for (int j = 0; j < N; j++) {
                            total += cand.inFlight(j);
                        }
                        long cap = (long) Math.ceil(1.25 * total / N);
                        int load = cand.inFlight(i);
                        int racers = landed.get(i) - 1;
                        assertTrue(load <= cap + racers, "round " + round + ": endpoint " + i
                                + " holds " + load + " > ceil(1.25 × " + total + " / " + N
                                + ") + " + racers + " racers");
                        checked.await(10, TimeUnit.SECONDS);
                        if (id == 0) {
                            for (int j = 0; j < N; j++) {
                                landed.set(j, 0);
                            }
                        }
                        // Complete some held calls (keeps tens in flight); others are picking
                        // only after the next barrier.
                        while (held.size() > 30 || (!held.isEmpty() && random.nextInt(3) == 0)) {
                            cand.release(held.remove(random.nextInt(held.size())));
                        }
                    }
                    for (int i : held) {
                        cand.release(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int j = 0; j < N; j++) {
            assertEquals(0, cand.inFlight(j), "in flight on endpoint " + j);
        }
    }
}
