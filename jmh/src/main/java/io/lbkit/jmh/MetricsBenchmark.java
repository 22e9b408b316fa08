package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.micrometer.LoadBalancerMetrics;
import io.lbkit.opentelemetry.LbkitTelemetry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What metrics cost on the call path: {@code pick()} + {@code onSuccess} on a balancer with no
 * binder ({@code none}); with lb-micrometer's {@link LoadBalancerMetrics} bound to a Prometheus
 * registry, by default ({@code micrometer}: function meters over the balancer's own counters,
 * read at scrape time, nothing per call) and with {@code latencyHistogram(true)}
 * ({@code micrometerHistogram}: a Micrometer timer with percentile histogram and max, recorded
 * per call); and with lb-opentelemetry's {@link LbkitTelemetry} on the OpenTelemetry SDK, by
 * default ({@code opentelemetry}: asynchronous counters read at collection) and with
 * {@code durationHistogram(true)} ({@code opentelemetryHistogram}: an explicit-bucket histogram
 * recorded per call). The in-memory reader and the registry are never collected or scraped
 * during the run. All binders run in one JMH run, so the ratios to {@code none} are read from it.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar MetricsBenchmark -prof gc -t 1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MetricsBenchmark {

    @Param({"roundRobin", "leastRequest", "peakEwma"})
    public String strategy;

    @Param({"100"})
    public int endpoints;

    @Param({"none", "micrometer", "micrometerHistogram", "opentelemetry",
            "opentelemetryHistogram"})
    public String binder;

    private LoadBalancer lb;
    private long[] latencies;
    private AutoCloseable binding;

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        lb = PickAndReportBenchmark.balancer(w, strategy).build();
        latencies = w.latencies();
        switch (binder) {
            case "none":
                break;
            case "micrometer":
            case "micrometerHistogram":
                PrometheusMeterRegistry registry =
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                LoadBalancerMetrics m = LoadBalancerMetrics.builder(lb, "bench")
                        .latencyHistogram(binder.equals("micrometerHistogram")).build();
                m.bindTo(registry);
                binding = () -> {
                    m.close();
                    registry.close();
                };
                break;
            case "opentelemetry":
            case "opentelemetryHistogram":
                OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                        .setMeterProvider(SdkMeterProvider.builder()
                                .registerMetricReader(InMemoryMetricReader.create()).build())
                        .build();
                AutoCloseable h = LbkitTelemetry.builder(sdk)
                        .durationHistogram(binder.equals("opentelemetryHistogram")).build()
                        .bind(lb, "bench");
                binding = () -> {
                    h.close();
                    sdk.close();
                };
                break;
            default:
                throw new IllegalArgumentException("binder " + binder);
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        if (binding != null) {
            binding.close();
        }
        lb.close();
    }

    /** pick + onSuccess, with the binder (if any) bound. */
    @Benchmark
    public Endpoint pickAndReport(Cursor cursor) {
        int i = cursor.next();
        Pick p = lb.pick();
        p.onSuccess(latencies[i]);
        return p.endpoint();
    }
}
