package io.lbkit.jmh;

import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Counts the bytes the <em>picking thread</em> allocates per {@code pick()} + {@code onSuccess},
 * for every strategy and endpoint count of {@link LbkitPickBenchmark}, with an adaptive
 * concurrency limit set, and per failed pick (every endpoint at its cap or concurrency limit, an
 * empty group) and {@code TrafficSplit} fallback pick. Not thread-safe; run it as
 * a program.
 *
 * <p>JMH's {@code -prof gc} figure ({@code gc.alloc.rate.norm}) divides the allocations of
 * <em>every</em> thread of the benchmark JVM (JMH 1.37 reads
 * {@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes}) by the operations of the
 * benchmark threads, so JMH's own background allocations show up as a fraction of a byte per op
 * when ops are slow (10,000 endpoints). This check reads the picking thread's own counter, which
 * is exact.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -cp jmh/target/benchmarks.jar io.lbkit.jmh.AllocationCheck
 * }</pre>
 */
public final class AllocationCheck {

    private static final int WARMUP_OPS = 2_000_000;
    private static final int MEASURED_OPS = 2_000_000;

    /**
     * A bound on each loop: 2 s. O(n) strategies (rendezvous at 10,000 endpoints: about 0.1 ms a
     * pick) stop early; the count actually run divides the bytes.
     */
    private static final long MAX_NANOS = 2_000_000_000L;

    /** Keeps the picks' results alive so that the JIT cannot drop the loop. */
    static volatile long sink;

    /** The number of picks the last {@link #run} made. */
    private static int measuredOps;

    /** Whether {@link #run} reports calls to about 3 in 5 endpoints (by host hash) as failed. */
    private static boolean failing;

    /** When positive, {@link #run} also reports every this-many-th call as failed. */
    private static int failEvery;

    private AllocationCheck() {}

    /**
     * Prints one line per strategy and endpoint count; exits with status 1 if any allocates.
     *
     * @param args strategy names (default: those of {@link LbkitPickBenchmark})
     */
    public static void main(String[] args) {
        List<String> strategies = args.length > 0 ? List.of(args) : List.of("roundRobin",
                "weightedRoundRobin", "random", "weightedRandom", "leastRequest", "peakEwma",
                "ringHash", "maglev", "boundedLoad", "rendezvous");
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        boolean allocates = false;
        System.out.printf("%-20s %9s %14s %10s%n", "strategy", "endpoints", "B/op (thread)",
                "picks");
        for (String name : strategies) {
            for (int n : new int[] {3, 100, 10_000}) {
                Workload w = new Workload(n);
                long[] keys = w.keys();
                long[] latencies = w.latencies();
                boolean keyed = LbkitPickBenchmark.HASHING.contains(name);
                try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(w.lbkitEndpoints()))
                        .strategy(LbkitPickBenchmark.strategy(name)).build()) {
                    double perOp = bytesPerOp(mx, self, lb, keyed, keys, latencies);
                    allocates |= perOp >= 0.01;
                    System.out.printf("%-20s %9d %14.4f %10d%n", name, n, perOp, measuredOps);
                }
            }
        }
        // A TrafficSplit over two such balancers: the side draw, weighted and by key.
        Workload w = new Workload(100);
        List<io.lbkit.Endpoint> all = w.lbkitEndpoints();
        long[] keys = w.keys();
        long[] latencies = w.latencies();
        try (io.lbkit.TrafficSplit split = io.lbkit.TrafficSplit.builder()
                .route("stable", LoadBalancer.builder(EndpointGroup.of(all.subList(0, 95)))
                        .strategy(LbkitPickBenchmark.strategy("leastRequest")).build(), 95)
                .route("canary", LoadBalancer.builder(EndpointGroup.of(all.subList(95, 100)))
                        .strategy(LbkitPickBenchmark.strategy("maglev")).build(), 5)
                .build()) {
            for (boolean keyed : new boolean[] {false, true}) {
                double perOp = bytesPerOp(mx, self, split, keyed, keys, latencies);
                allocates |= perOp >= 0.01;
                System.out.printf("%-20s %9d %14.4f %10d%n",
                        keyed ? "trafficSplit(key)" : "trafficSplit", 100, perOp, measuredOps);
            }
        }
        // lb-micrometer's binder on a Prometheus registry: by default it reads the balancer's
        // counters at scrape time; with latencyHistogram(true) its observer records every report.
        for (boolean histogram : new boolean[] {false, true}) {
            io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
                    new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(all))
                    .strategy(LbkitPickBenchmark.strategy("leastRequest")).build();
                    io.lbkit.micrometer.LoadBalancerMetrics metrics =
                            io.lbkit.micrometer.LoadBalancerMetrics.builder(lb, "check")
                                    .latencyHistogram(histogram).build()) {
                metrics.bindTo(registry);
                double perOp = bytesPerOp(mx, self, lb, false, keys, latencies);
                allocates |= perOp >= 0.01;
                System.out.printf("%-20s %9d %14.4f %10d%n",
                        histogram ? "leastRequest+mmHisto" : "leastRequest+micrometer", 100, perOp,
                        measuredOps);
            } finally {
                registry.close();
            }
        }
        // lb-opentelemetry on the OpenTelemetry SDK: asynchronous counters by default; with
        // durationHistogram(true) a histogram recorded on every report.
        for (boolean histogram : new boolean[] {false, true}) {
            try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(all))
                    .strategy(LbkitPickBenchmark.strategy("leastRequest")).build();
                    io.opentelemetry.sdk.OpenTelemetrySdk sdk = io.opentelemetry.sdk
                            .OpenTelemetrySdk.builder().setMeterProvider(io.opentelemetry.sdk
                                    .metrics.SdkMeterProvider.builder().registerMetricReader(
                                            io.opentelemetry.sdk.testing.exporter
                                                    .InMemoryMetricReader.create()).build())
                            .build()) {
                AutoCloseable h = io.lbkit.opentelemetry.LbkitTelemetry.builder(sdk)
                        .durationHistogram(histogram).build().bind(lb, "check");
                double perOp = bytesPerOp(mx, self, lb, false, keys, latencies);
                allocates |= perOp >= 0.01;
                System.out.printf("%-20s %9d %14.4f %10d%n",
                        histogram ? "leastRequest+otelHisto" : "leastRequest+otel", 100, perOp,
                        measuredOps);
                h.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        // Failing endpoints (3 in 5, outlier detection off so they stay): the failure score's
        // updates, the penalty and the extra draws of the load-aware strategies.
        for (String name : new String[] {"leastRequest", "peakEwma"}) {
            try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(all))
                    .strategy(LbkitPickBenchmark.strategy(name))
                    .outlierDetection(io.lbkit.health.OutlierDetection.disabled()).build()) {
                failing = true;
                double perOp = bytesPerOp(mx, self, lb, false, keys, latencies);
                failing = false;
                allocates |= perOp >= 0.01;
                System.out.printf("%-20s %9d %14.4f %10d%n", name + "(3/5 fail)", 100, perOp,
                        measuredOps);
            }
        }
        // An adaptive concurrency limit: every report feeds the endpoint's limiter (windows
        // close, the limit moves) and every pick reads the chosen endpoint's limit.
        for (String name : new String[] {"roundRobin", "leastRequest", "peakEwma", "maglev"}) {
            try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(all))
                    .strategy(LbkitPickBenchmark.strategy(name))
                    .outlierDetection(io.lbkit.health.OutlierDetection.disabled())
                    .concurrencyLimit(io.lbkit.health.ConcurrencyLimit.gradient()).build()) {
                failEvery = 7; // failures too: the limiter's drop rule
                double perOp = bytesPerOp(mx, self, lb, LbkitPickBenchmark.HASHING.contains(name),
                        keys, latencies);
                failEvery = 0;
                allocates |= perOp >= 0.01;
                System.out.printf("%-20s %9d %14.4f %10d%n", name + "+limit", 100, perOp,
                        measuredOps);
            }
        }
        // Failed picks: shedding at the in-flight cap, an empty group, and a split's fallback.
        allocates |= failures(mx, self, w);
        if (allocates) {
            System.out.println("FAIL: a pick path allocates");
            System.exit(1);
        }
    }

    /** Prints the bytes per failed pick and per fallback pick; whether any allocates. */
    private static boolean failures(com.sun.management.ThreadMXBean mx, long self, Workload w) {
        List<io.lbkit.Endpoint> eps = w.lbkitEndpoints();
        boolean allocates = false;
        try (LoadBalancer full = LoadBalancer.builder(EndpointGroup.of(eps))
                .maxRequestsPerEndpoint(1).build();
                LoadBalancer empty = LoadBalancer.of(EndpointGroup.of(List.of()))) {
            List<Pick> held = new java.util.ArrayList<>();
            for (int i = 0; i < eps.size(); i++) {
                held.add(full.pick());
            }
            for (LoadBalancer lb : List.of(full, empty)) {
                sink += failingPicks(lb, WARMUP_OPS);
                long before = mx.getThreadAllocatedBytes(self);
                sink += failingPicks(lb, MEASURED_OPS);
                double perOp = (double) (mx.getThreadAllocatedBytes(self) - before) / MEASURED_OPS;
                allocates |= perOp >= 0.01;
                System.out.printf("%-20s %9d %14.4f %10d%n",
                        lb == full ? "failed(atCapacity)" : "failed(empty)",
                        lb == full ? eps.size() : 0, perOp, MEASURED_OPS);
            }
            held.forEach(Pick::release);
        }
        // Every endpoint at its concurrency limit (a limit of 1, each holding one call).
        try (LoadBalancer limited = LoadBalancer.builder(EndpointGroup.of(eps))
                .concurrencyLimit(io.lbkit.health.ConcurrencyLimit.gradientBuilder()
                        .initialLimit(1).limitBounds(1, 1).build()).build()) {
            List<Pick> held = new java.util.ArrayList<>();
            for (int i = 0; i < eps.size(); i++) {
                held.add(limited.pick());
            }
            sink += failingPicks(limited, WARMUP_OPS);
            long before = mx.getThreadAllocatedBytes(self);
            sink += failingPicks(limited, MEASURED_OPS);
            double perOp = (double) (mx.getThreadAllocatedBytes(self) - before) / MEASURED_OPS;
            allocates |= perOp >= 0.01;
            System.out.printf("%-20s %9d %14.4f %10d%n", "failed(atLimit)", eps.size(), perOp,
                    MEASURED_OPS);
            held.forEach(Pick::release);
        }
        try (io.lbkit.TrafficSplit split = io.lbkit.TrafficSplit.builder()
                .route("canary", LoadBalancer.of(EndpointGroup.of(List.of())), 1_000_000)
                .route("stable", LoadBalancer.of(EndpointGroup.of(eps)), 1)
                .build()) {
            for (boolean keyed : new boolean[] {false, true}) {
                double perOp = bytesPerOp(mx, self, split, keyed, w.keys(), w.latencies());
                allocates |= perOp >= 0.01;
                System.out.printf("%-20s %9d %14.4f %10d%n",
                        keyed ? "splitFallback(key)" : "splitFallback", eps.size(), perOp,
                        measuredOps);
            }
        }
        return allocates;
    }

    /** {@code ops} picks that fail; the sum of their reasons. */
    private static long failingPicks(LoadBalancer lb, int ops) {
        long result = 0;
        for (int k = 0; k < ops; k++) {
            try {
                result += lb.pick().endpoint().port();
            } catch (io.lbkit.NoEndpointAvailableException e) {
                result += e.reason().ordinal();
            }
        }
        return result;
    }

    /** Warms up, then measures the calling thread's bytes allocated per pick + report. */
    private static double bytesPerOp(com.sun.management.ThreadMXBean mx, long self,
            LoadBalancer lb, boolean keyed, long[] keys, long[] latencies) {
        sink += run(lb, keyed, keys, latencies, WARMUP_OPS);
        long before = mx.getThreadAllocatedBytes(self);
        long result = run(lb, keyed, keys, latencies, MEASURED_OPS);
        long bytes = mx.getThreadAllocatedBytes(self) - before;
        sink += result;
        return (double) bytes / measuredOps;
    }

    /** Picks and reports {@code ops} times, or until {@link #MAX_NANOS} have passed. */
    private static long run(LoadBalancer lb, boolean keyed, long[] keys, long[] latencies,
            int ops) {
        long result = 0;
        long deadline = System.nanoTime() + MAX_NANOS;
        int k = 0;
        while (k < ops) {
            int i = k & Workload.MASK;
            Pick p = keyed ? lb.pick(keys[i]) : lb.pick();
            if ((failing && Math.floorMod(p.endpoint().host().hashCode(), 5) < 3)
                    || (failEvery > 0 && k % failEvery == 0)) {
                p.onFailure(latencies[i]);
            } else {
                p.onSuccess(latencies[i]);
            }
            result += p.endpoint().port();
            k++;
            if ((k & 1023) == 0 && System.nanoTime() > deadline) {
                break;
            }
        }
        measuredOps = k;
        return result;
    }
}
