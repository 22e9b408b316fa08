package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Several threads pick and report (success, failure, release, some calls held open) while
 * another thread churns the membership thousands of times through a {@link DynamicEndpointGroup}.
 *
 * <p>"An endpoint removed before a pick began is never returned by it" is checked against one
 * global sequence. The churn thread, once {@code remove}/{@code set} has returned (the balancer
 * has published the table without the endpoint), marks the address {@link #PENDING} and then
 * takes a sequence number {@code r} and records it. A picker takes a number {@code s} before
 * calling {@code pick()} and afterwards looks the returned address up. If {@code r < s}, the
 * churn thread's increment came first in the counter's order, so its earlier mark is visible to
 * the picker: the lookup finds {@code PENDING} (and waits for {@code r}) or {@code r} itself — a
 * late pick cannot slip through unseen. Removed addresses are never added again, so a pick with
 * {@code r < s} that returns one read a table older than the removal: a violation.
 */
class LoadBalancerStressTest {

    private static final int PICKERS = 3;
    private static final int CHANGES = 3_000;
    private static final int STABLE = 4;
    /** The churn thread lets about this many picks happen between two changes. */
    private static final int PICKS_PER_CHANGE = 40;
    private static final long PENDING = Long.MAX_VALUE;

    /**
     * Every strategy, the hashing ones included. Each change rebuilds the strategy's table:
     * rings and Maglev tables are kept small here so that 3,000 rebuilds stay fast, and bounded
     * load, whose ring size is fixed at its default (131,072 points, ~1 ms+ a build), churns
     * fewer times (100).
     */
    static Stream<Arguments> strategies() {
        return Stream.of(Strategy.roundRobin(), Strategy.weightedRoundRobin(), Strategy.random(),
                Strategy.weightedRandom(), Strategy.leastRequest(), Strategy.leastRequest(4),
                Strategy.peakEwma(), Strategy.ringHash(1_024, 1_024), Strategy.maglev(251),
                Strategy.rendezvous(), Strategy.boundedLoad())
                .map(s -> Arguments.of(s, s.toString().startsWith("Strategy.boundedLoad")
                        ? CHANGES / 30 : CHANGES));
    }

    @ParameterizedTest
    @MethodSource("strategies")
    void churn_neverReturnsARemovedEndpoint_andEveryInFlightCountReturnsToZero(Strategy strategy,
            int changes) throws Exception {
        List<Endpoint> stable = new ArrayList<>();
        for (int i = 0; i < STABLE; i++) {
            stable.add(Endpoint.of("10.9.0." + i, 80));
        }
        DynamicEndpointGroup group = EndpointGroup.dynamic(stable.toArray(new Endpoint[0]));
        LoadBalancer lb = LoadBalancer.builder(group).strategy(strategy).build();
        Shared shared = new Shared();
        ExecutorService pool = Executors.newFixedThreadPool(PICKERS + 1);
        try {
            List<Future<Picker>> pickers = new ArrayList<>();
            for (int t = 0; t < PICKERS; t++) {
                Picker picker = new Picker(lb, shared, 1_000 + t);
                pickers.add(pool.submit(picker::run));
            }
            Future<Integer> churn = pool.submit(() -> {
                try {
                    shared.start.await();
                    return churn(group, stable, shared, changes);
                } finally {
                    shared.churnDone.set(true);
                }
            });
            shared.start.countDown();
            int removals = churn.get(30, TimeUnit.SECONDS);

            Set<Pick> records = Collections.newSetFromMap(new IdentityHashMap<>());
            List<String> violations = new ArrayList<>();
            long successes = 0;
            long failures = 0;
            long picks = 0;
            for (Future<Picker> f : pickers) {
                Picker p = get(f);
                records.addAll(p.records);
                violations.addAll(p.violations);
                successes += p.successes;
                failures += p.failures;
                picks += p.picks;
            }

            assertTrue(violations.isEmpty(), "removed endpoints returned: " + violations);
            assertTrue(removals >= changes / 4, "only " + removals + " removals");
            assertTrue(picks >= (long) changes * PICKS_PER_CHANGE / 2, "only " + picks + " picks");
            assertTrue(records.size() > removals / 4, "picks saw only " + records.size()
                    + " endpoint records of " + removals + " removed: churn and picks did not"
                    + " overlap");

            // Every record ever handed out, current or removed, counts exactly zero in flight, and
            // together the records count every success and failure reported: none lost.
            long countedSuccesses = 0;
            long countedFailures = 0;
            for (Pick p : records) {
                EndpointState s = (EndpointState) p;
                assertEquals(0, s.inFlightSum(), "in flight on " + s.endpoint().address());
                countedSuccesses += s.successes();
                countedFailures += s.failures();
            }
            assertEquals(successes, countedSuccesses, "successes");
            assertEquals(failures, countedFailures, "failures");
            for (EndpointStats s : lb.stats()) {
                assertEquals(0, s.inFlight(), "stats of " + s.endpoint());
            }

            // The stable endpoints kept one record each through all the churn (weight changes
            // and replace-alls included).
            for (Endpoint e : stable) {
                long distinct = records.stream()
                        .filter(p -> p.endpoint().address().equals(e.address())).count();
                assertEquals(1, distinct, "records of " + e.address());
            }
            assertEquals(group.endpoints(),
                    lb.stats().stream().map(EndpointStats::endpoint).toList());
        } finally {
            shared.churnDone.set(true);
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "threads stopped");
            lb.close();
            group.close();
        }
    }

    /** The first picker failure, if any, rather than a timeout. */
    private static Picker get(Future<Picker> f) throws Exception {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("picker failed", e.getCause());
        }
    }

    /** State shared by the churn thread and the pickers. */
    private static final class Shared {
        final AtomicLong sequence = new AtomicLong();
        final Map<String, Long> removedAt = new ConcurrentHashMap<>();
        final AtomicBoolean churnDone = new AtomicBoolean();
        /** Changes made so far: pickers far ahead of them yield to the churn thread. */
        final AtomicLong changes = new AtomicLong();
        final CountDownLatch start = new CountDownLatch(1);

        void removed(List<Endpoint> endpoints) {
            for (Endpoint e : endpoints) {
                removedAt.put(e.address(), PENDING);
            }
            long at = sequence.incrementAndGet();
            for (Endpoint e : endpoints) {
                removedAt.put(e.address(), at);
            }
        }
    }

    /** Thousands of membership changes; returns the number of endpoints removed. */
    private static int churn(DynamicEndpointGroup group, List<Endpoint> stable, Shared shared,
            int changes) {
        SplittableRandom r = new SplittableRandom(42);
        List<Endpoint> transients = new ArrayList<>();
        int nextId = 0;
        int removals = 0;
        for (int change = 0; change < changes; change++) {
            // Let the pickers make progress between changes so that picks and changes interleave
            // instead of each running in its own time slice. Bounded: a starved picker pool
            // slows the churn down but cannot stop it.
            long target = shared.sequence.get() + PICKS_PER_CHANGE;
            for (int spin = 0; spin < 1_000 && shared.sequence.get() < target; spin++) {
                if (spin % 100 == 99) {
                    Thread.yield(); // the pickers may be waiting for a core
                } else {
                    Thread.onSpinWait();
                }
            }
            shared.changes.incrementAndGet();
            int op = r.nextInt(10);
            if (op < 4 || transients.isEmpty()) { // a server joins
                Endpoint e = Endpoint.of("10.8." + (nextId >> 8) + "." + (nextId & 0xFF), 8080,
                        1 + r.nextInt(5));
                nextId++;
                transients.add(e);
                group.add(e);
            } else if (op < 8) { // a server leaves
                Endpoint e = transients.remove(r.nextInt(transients.size()));
                group.remove(e);
                shared.removed(List.of(e));
                removals++;
            } else if (op < 9) { // a stable server changes weight: its state must stay
                Endpoint e = stable.get(r.nextInt(STABLE));
                group.add(Endpoint.of(e.host(), e.port(), 1 + r.nextInt(9)));
            } else { // replace-all: keep the stable ones and some others, add one
                List<Endpoint> next = new ArrayList<>(group.endpoints().subList(0, STABLE));
                List<Endpoint> dropped = new ArrayList<>();
                for (Endpoint e : transients) {
                    (r.nextBoolean() ? next : dropped).add(e);
                }
                Endpoint fresh = Endpoint.of("10.7." + (nextId >> 8) + "." + (nextId & 0xFF), 80);
                nextId++;
                next.add(fresh);
                group.set(next);
                shared.removed(dropped);
                removals += dropped.size();
                transients.removeAll(dropped);
                transients.add(fresh);
            }
        }
        return removals;
    }

    /** One picker thread: picks until the churn ends, reporting in every way, some held open. */
    private static final class Picker {
        private final LoadBalancer lb;
        private final Shared shared;
        private final SplittableRandom random;
        final Set<Pick> records = Collections.newSetFromMap(new IdentityHashMap<>());
        final List<String> violations = new ArrayList<>();
        long picks;
        long successes;
        long failures;

        Picker(LoadBalancer lb, Shared shared, long seed) {
            this.lb = lb;
            this.shared = shared;
            this.random = new SplittableRandom(seed);
        }

        Picker run() throws InterruptedException {
            Pick[] open = new Pick[8];
            shared.start.await();
            while (!shared.churnDone.get()) {
                long began = shared.sequence.incrementAndGet();
                if (began > (shared.changes.get() + 2) * PICKS_PER_CHANGE * PICKERS) {
                    Thread.yield(); // far ahead of the churn: let it run
                }
                Pick p = random.nextInt(4) == 0 ? lb.pick(random.nextLong()) : lb.pick();
                picks++;
                records.add(p);
                check(p, began);
                int slot = random.nextInt(16);
                if (slot < open.length) { // hold this call open; finish the one held there
                    if (open[slot] != null) {
                        report(open[slot]);
                    }
                    open[slot] = p;
                } else {
                    report(p);
                }
            }
            for (Pick p : open) {
                if (p != null) {
                    report(p);
                }
            }
            return this;
        }

        private void check(Pick p, long began) {
            String address = p.endpoint().address();
            Long removed = shared.removedAt.get(address);
            while (removed != null && removed == PENDING) { // the churn thread is mid-record
                Thread.onSpinWait();
                removed = shared.removedAt.get(address);
            }
            if (removed != null && removed < began && violations.size() < 10) {
                violations.add(address + " removed at " + removed
                        + ", returned by a pick that began at " + began);
            }
        }

        private void report(Pick p) {
            switch (random.nextInt(3)) {
                case 0 -> {
                    p.onSuccess(random.nextInt(1_000_000));
                    successes++;
                }
                case 1 -> {
                    p.onFailure(random.nextInt(1_000_000));
                    failures++;
                }
                default -> p.release();
            }
        }
    }
}
