package io.lbkit.jmh;

import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.micrometer.LoadBalancerMetrics;
import io.lbkit.opentelemetry.LbkitTelemetry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The companion of {@link MetricsBenchmark} for a shared, loaded machine: the same
 * {@code pick()} + {@code onSuccess} on a bare balancer and on balancers with each binder, all in
 * one JVM, measured in short slices that alternate between them (the order rotating each round)
 * and timed with the thread's own CPU time, so that time the thread spends preempted by other
 * processes does not count and the load's drift falls on every configuration alike. Prints each
 * configuration's median CPU nanoseconds per call over the rounds and its ratio to the bare
 * balancer. A bounded program (about 40 s), not a JMH benchmark; JMH's figures stay the
 * reference on a quiet machine.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -cp jmh/target/benchmarks.jar io.lbkit.jmh.MetricsCpuTimeCheck [strategy]
 * }</pre>
 */
public final class MetricsCpuTimeCheck {

    private static final int ROUNDS = 40;
    private static final int SLICE_OPS = 500_000;

    /** Keeps the picks' results alive so that the JIT cannot drop the loop. */
    static volatile long sink;

    private MetricsCpuTimeCheck() {}

    /**
     * Runs the check.
     *
     * @param args the strategy (default {@code roundRobin})
     * @throws Exception if a binder fails to close
     */
    public static void main(String[] args) throws Exception {
        String strategy = args.length > 0 ? args[0] : "roundRobin";
        Workload w = new Workload(100);
        long[] latencies = w.latencies();
        String[] names = {"none", "micrometer", "opentelemetry", "micrometerHistogram",
            "opentelemetryHistogram"};
        List<LoadBalancer> lbs = new ArrayList<>();
        List<AutoCloseable> closing = new ArrayList<>();
        for (String name : names) {
            LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(w.lbkitEndpoints()))
                    .strategy(LbkitPickBenchmark.strategy(strategy)).build();
            lbs.add(lb);
            closing.add(lb);
            if (name.startsWith("micrometer")) {
                PrometheusMeterRegistry registry =
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                LoadBalancerMetrics m = LoadBalancerMetrics.builder(lb, "check")
                        .latencyHistogram(name.endsWith("Histogram")).build();
                m.bindTo(registry);
                closing.add(m);
                closing.add(registry::close);
            } else if (name.startsWith("opentelemetry")) {
                OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                        .setMeterProvider(SdkMeterProvider.builder()
                                .registerMetricReader(InMemoryMetricReader.create()).build())
                        .build();
                closing.add(LbkitTelemetry.builder(sdk)
                        .durationHistogram(name.endsWith("Histogram")).build()
                        .bind(lb, "check"));
                closing.add(sdk);
            }
        }
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 10; i++) { // warm-up: every configuration through the same code
            for (LoadBalancer lb : lbs) {
                slice(lb, latencies);
            }
        }
        double[][] nanosPerOp = new double[names.length][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < names.length; k++) {
                int c = (k + r) % names.length;
                long start = mx.getCurrentThreadCpuTime();
                slice(lbs.get(c), latencies);
                nanosPerOp[c][r] = (mx.getCurrentThreadCpuTime() - start) / (double) SLICE_OPS;
            }
        }
        double bare = median(nanosPerOp[0]);
        System.out.printf("%-24s %16s %8s   (%s, 100 endpoints, %d rounds of %d calls)%n",
                "binder", "CPU ns/call", "ratio", strategy, ROUNDS, SLICE_OPS);
        for (int c = 0; c < names.length; c++) {
            double m = median(nanosPerOp[c]);
            System.out.printf("%-24s %16.1f %8.2f%n", names[c], m, m / bare);
        }
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private static void slice(LoadBalancer lb, long[] latencies) {
        long s = 0;
        for (int i = 0; i < SLICE_OPS; i++) {
            Pick p = lb.pick();
            p.onSuccess(latencies[i & Workload.MASK]);
            s += p.endpoint().port();
        }
        sink = s;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
