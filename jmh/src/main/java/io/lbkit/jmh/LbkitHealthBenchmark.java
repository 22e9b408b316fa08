package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthProbe;
import io.lbkit.health.HealthStatus;
import io.lbkit.health.OutlierDetection;
import io.lbkit.health.SlowStart;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The cost of health tracking and topology on the call path: {@code pick()} + {@code onSuccess}
 * with health rules off, at their defaults, and all on; and with priorities and zones configured
 * so that calls are split across tiers.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar LbkitHealthBenchmark -prof gc -t 1
 * }</pre>
 *
 * <p>{@code setup}:
 * <ul>
 * <li>{@code off}: no outlier detection, no breaker, no checks: the bare balancer;
 * <li>{@code defaults}: lbkit's defaults (outlier detection on);
 * <li>{@code all}: outlier detection, a circuit breaker, active checks (every endpoint up), slow
 *     start (over by the time picks run) and panic threshold;
 * <li>{@code tiers}: {@code all} plus two priorities and three zones with the local zone half
 *     DOWN, so every pick first draws a tier (local zone 70%, region 30%).
 * </ul>
 */
public class LbkitHealthBenchmark extends PickAndReportBenchmark {

    @Param({"roundRobin", "leastRequest", "peakEwma", "maglev"})
    public String strategy;

    @Param({"100"})
    public int endpoints;

    @Param({"off", "defaults", "all", "tiers"})
    public String setup;

    @Setup
    public void setUp() throws InterruptedException {
        Workload w = new Workload(endpoints);
        boolean tiers = setup.equals("tiers");
        List<Endpoint> eps = new ArrayList<>();
        List<Endpoint> down = new ArrayList<>();
        String[] zones = {"a", "b", "c"};
        for (int i = 0; i < endpoints; i++) {
            Endpoint.Builder b = Endpoint.builder(Workload.host(i), 8080).weight(w.weight(i));
            if (tiers) {
                String zone = zones[i % 3];
                b.zone(zone).region(zone.equals("c") ? "r2" : "r1").priority(i % 10 == 9 ? 1 : 0);
            }
            Endpoint e = b.build();
            eps.add(e);
            if (tiers && e.zone().orElse("").equals("a") && (i / 3) % 2 == 0) {
                down.add(e);
            }
        }
        LoadBalancer.Builder b = LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(LbkitPickBenchmark.strategy(strategy));
        switch (setup) {
            case "off":
                b.outlierDetection(OutlierDetection.disabled());
                break;
            case "defaults":
                break;
            case "all":
            case "tiers":
                HealthProbe probe = e -> CompletableFuture.completedFuture(!down.contains(e));
                b.circuitBreaker(CircuitBreaker.ofDefaults())
                        .healthCheck(HealthCheck.builder(probe).interval(Duration.ofHours(1))
                                .fall(1).build())
                        .slowStart(SlowStart.of(Duration.ofMillis(100)));
                if (tiers) {
                    b.localZone("a").localRegion("r1");
                }
                break;
            default:
                throw new IllegalArgumentException("setup " + setup);
        }
        measure(b.build(), strategy, w);
        // Wait (bounded) until the first probes have applied and any slow start is over.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && !settled(down.size())) {
            Thread.sleep(20);
        }
        if (!settled(down.size())) {
            throw new IllegalStateException("balancer did not settle: " + lb().stats());
        }
    }

    private boolean settled(int expectedDown) {
        int downs = 0;
        for (EndpointStats s : lb().stats()) {
            if (s.health() == HealthStatus.DOWN) {
                downs++;
            } else if (s.weightPercent() != 100) {
                return false;
            }
        }
        return downs == expectedDown;
    }
}
