package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * Measures what a threshold-crossing failure report costs its caller when several threads cross
 * at once: each round builds a ring-hash balancer over 100 endpoints (outlier detection ejecting on
 * the first failure, no ejection cap, panic routing off), lets {@code threads} threads report one
 * failure each on a different endpoint at the same moment, and records each report's wall time.
 * Each of these reports ejects its endpoint and needs a new routing table, whose ring build costs
 * milliseconds (BENCHMARKS.md, "Table build time"). Prints, over the rounds, the median and the
 * maximum of every report and of each round's slowest report, and checks that every round's
 * table left out every ejected endpoint. A bounded program (rounds × threads reports), not a
 * benchmark harness: run it alone for figures to quote. Not thread-safe; run it as a program.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -cp jmh/target/benchmarks.jar io.lbkit.jmh.ReportLatencyCheck [threads] [rounds]
 * }</pre>
 */
public final class ReportLatencyCheck {

    private static final int ENDPOINTS = 100;

    private ReportLatencyCheck() {}

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        if (threads < 1 || threads >= ENDPOINTS || rounds < 1 || rounds > 10_000) {
            throw new IllegalArgumentException("threads must be 1.." + (ENDPOINTS - 1)
                    + " and rounds 1..10000, were " + threads + " and " + rounds);
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < ENDPOINTS; i++) {
            endpoints.add(Endpoint.of("10.0." + (i / 250) + "." + (i % 250 + 1), 8080));
        }
        long[] all = new long[threads * rounds];
        long[] worst = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            long[] took = round(endpoints, threads);
            System.arraycopy(took, 0, all, r * threads, threads);
            worst[r] = Arrays.stream(took).max().orElseThrow();
        }
        Arrays.sort(all);
        Arrays.sort(worst);
        System.out.printf("ringHash, %d endpoints, %d threads ejecting at once, %d rounds%n",
                ENDPOINTS, threads, rounds);
        System.out.printf("  every report:        median %8.2f ms, max %8.2f ms%n",
                ms(all[all.length / 2]), ms(all[all.length - 1]));
        System.out.printf("  slowest per round:   median %8.2f ms, max %8.2f ms%n",
                ms(worst[worst.length / 2]), ms(worst[worst.length - 1]));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** One round: returns each reporter's wall time, in nanoseconds. */
    private static long[] round(List<Endpoint> endpoints, int threads) throws Exception {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                .strategy(Strategy.ringHash()).panicThreshold(0)
                .outlierDetection(OutlierDetection.builder().consecutiveFailures(1)
                        .maxEjectionPercent(100).build())
                .build()) {
            Map<String, Pick> picks = new HashMap<>();
            for (long k = 0; picks.size() < threads && k < 1_000_000; k++) {
                Pick p = lb.pick(k);
                if (picks.putIfAbsent(p.endpoint().address(), p) != null) {
                    p.release();
                }
            }
            List<Pick> victims = new ArrayList<>(picks.values());
            long[] took = new long[threads];
            CyclicBarrier start = new CyclicBarrier(threads);
            Thread[] reporters = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int i = t;
                reporters[t] = new Thread(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    long t0 = System.nanoTime();
                    victims.get(i).onFailure(1_000_000);
                    took[i] = System.nanoTime() - t0;
                }, "reporter-" + t);
                reporters[t].start();
            }
            for (Thread t : reporters) {
                t.join(TimeUnit.SECONDS.toMillis(60));
                if (t.isAlive()) {
                    throw new IllegalStateException(t.getName() + " did not finish in 60 s");
                }
            }
            awaitEjected(lb, victims);
            return took;
        }
    }

    /**
     * Checks that the table leaves out every ejected endpoint, waiting up to 10 s: a rebuilder
     * may have left the last changes to the balancer's scheduler.
     */
    private static void awaitEjected(LoadBalancer lb, List<Pick> victims)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            boolean clean = true;
            for (long k = 0; k < 2_000 && clean; k++) {
                Pick p = lb.pick(k);
                for (Pick v : victims) {
                    clean &= !v.endpoint().equals(p.endpoint());
                }
                p.release();
            }
            if (clean) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("an ejected endpoint is still picked after 10 s");
            }
            Thread.sleep(10); // paces the check only
        }
    }
}
