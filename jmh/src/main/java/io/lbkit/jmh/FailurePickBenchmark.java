package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.TrafficSplit;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a failed pick costs next to a successful one: a pick that succeeds ({@code success}),
 * one refused because every endpoint is at {@code maxRequestsPerEndpoint} ({@code atCapacity},
 * load shedding), one on an empty group ({@code empty}), and a {@link TrafficSplit} pick whose
 * drawn route is empty so it falls back to the other ({@code splitFallback}, against
 * {@code splitDirect}, whose drawn route serves).
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar FailurePickBenchmark -prof gc -t 1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FailurePickBenchmark {

    private LoadBalancer serving;
    private LoadBalancer full;
    private LoadBalancer empty;
    private TrafficSplit fallback;
    private TrafficSplit direct;
    private final List<Pick> held = new ArrayList<>();

    @Setup
    public void setup() {
        List<Endpoint> eps = new Workload(10).lbkitEndpoints();
        serving = LoadBalancer.builder(EndpointGroup.of(eps)).strategy(Strategy.roundRobin())
                .build();
        full = LoadBalancer.builder(EndpointGroup.of(eps)).strategy(Strategy.roundRobin())
                .maxRequestsPerEndpoint(1).build();
        for (int i = 0; i < eps.size(); i++) {
            held.add(full.pick()); // every endpoint at its cap from here on
        }
        empty = LoadBalancer.of(EndpointGroup.of(List.of()));
        fallback = TrafficSplit.builder()
                .route("canary", LoadBalancer.of(EndpointGroup.of(List.of())), 1)
                .route("stable", LoadBalancer.builder(EndpointGroup.of(eps))
                        .strategy(Strategy.roundRobin()).build(), 1)
                .build();
        fallback.weights(java.util.Map.of("canary", 1_000_000, "stable", 1));
        direct = TrafficSplit.builder()
                .route("stable", LoadBalancer.builder(EndpointGroup.of(eps))
                        .strategy(Strategy.roundRobin()).build(), 1_000_000)
                .route("canary", LoadBalancer.of(EndpointGroup.of(List.of())), 1)
                .build();
    }

    @TearDown
    public void tearDown() {
        held.forEach(Pick::release);
        serving.close();
        full.close();
        empty.close();
        fallback.close();
        direct.close();
    }

    @Benchmark
    public int success() {
        Pick p = serving.pick();
        p.release();
        return p.endpoint().port();
    }

    @Benchmark
    public int atCapacity() {
        try {
            return full.pick().endpoint().port();
        } catch (NoEndpointAvailableException e) {
            return e.reason().ordinal();
        }
    }

    @Benchmark
    public int empty() {
        try {
            return empty.pick().endpoint().port();
        } catch (NoEndpointAvailableException e) {
            return e.reason().ordinal();
        }
    }

    @Benchmark
    public int splitDirect() {
        Pick p = direct.pick();
        p.release();
        return p.endpoint().port();
    }

    @Benchmark
    public int splitFallback() {
        Pick p = fallback.pick();
        p.release();
        return p.endpoint().port();
    }
}
