package io.lbkit.jmh;

import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.health.ConcurrencyLimit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * What an in-flight limit adds to one call's balancing ({@link LoadBalancer#pick()} and
 * {@link Pick#onSuccess}, as {@link LbkitPickBenchmark}): none, the fixed
 * {@code maxRequestsPerEndpoint} cap, or the adaptive {@link ConcurrencyLimit#gradient()} (the
 * pick reads the chosen endpoint's limit; the report feeds its limiter, which closes a window
 * every 25 reports). The limits are never reached here (one call in flight per thread), so this
 * is the cost of checking and learning, not of shedding.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar LimitPickBenchmark -prof gc -t 1
 * java -jar jmh/target/benchmarks.jar LimitPickBenchmark -prof gc -t 2
 * }</pre>
 */
public class LimitPickBenchmark extends PickAndReportBenchmark {

    @Param({"roundRobin", "leastRequest", "peakEwma", "maglev"})
    public String strategy;

    @Param({"3", "100"})
    public int endpoints;

    /** {@code none}, {@code fixed} (maxRequestsPerEndpoint 1,000) or {@code gradient}. */
    @Param({"none", "fixed", "gradient"})
    public String limit;

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        LoadBalancer.Builder b = balancer(w, strategy);
        switch (limit) {
            case "none" -> { }
            case "fixed" -> b.maxRequestsPerEndpoint(1_000);
            case "gradient" -> b.concurrencyLimit(ConcurrencyLimit.gradient());
            default -> throw new IllegalArgumentException("limit must be none, fixed or gradient,"
                    + " was " + limit);
        }
        measure(b.build(), strategy, w);
    }
}
