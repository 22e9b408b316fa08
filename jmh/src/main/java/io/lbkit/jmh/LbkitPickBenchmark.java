package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.util.Set;
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
 * One call's worth of lbkit balancing: {@link LoadBalancer#pick()} and the outcome report
 * ({@link Pick#onSuccess}) on the returned handle, for every strategy and endpoint count. This is
 * what an adapter does per call, in-flight accounting included.
 *
 * <p>Run it (1 and 2 threads; the JMH options are the ones of {@code BENCHMARKS.md}):
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar LbkitPickBenchmark -prof gc -t 1
 * java -jar jmh/target/benchmarks.jar LbkitPickBenchmark -prof gc -t 2
 * }</pre>
 *
 * <p>{@code strategy} names a no-argument factory of {@link Strategy}; a new factory slots in by
 * adding its name (on the command line: {@code -p strategy=ringHash}). Hashing strategies (named
 * in {@link #HASHING}) are picked with a pre-generated key, {@link LoadBalancer#pick(long)}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LbkitPickBenchmark {

    /** Strategies whose pick takes a key: they are driven through {@link LoadBalancer#pick(long)}. */
    static final Set<String> HASHING = Set.of("ringHash", "maglev", "boundedLoad", "rendezvous");

    @Param({"roundRobin", "weightedRoundRobin", "random", "weightedRandom", "leastRequest",
            "peakEwma", "ringHash", "maglev", "boundedLoad", "rendezvous"})
    public String strategy;

    @Param({"3", "100", "10000"})
    public int endpoints;

    private LoadBalancer lb;
    private boolean keyed;
    private long[] keys;
    private long[] latencies;

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        lb = LoadBalancer.builder(EndpointGroup.of(w.lbkitEndpoints()))
                .strategy(strategy(strategy))
                .build();
        keyed = HASHING.contains(strategy);
        keys = w.keys();
        latencies = w.latencies();
    }

    @TearDown
    public void tearDown() {
        lb.close();
    }

    /** pick + onSuccess: what the balancer costs per call. */
    @Benchmark
    public Endpoint pickAndReport(Cursor cursor) {
        int i = cursor.next();
        Pick p = keyed ? lb.pick(keys[i]) : lb.pick();
        p.onSuccess(latencies[i]);
        return p.endpoint();
    }

    /** The strategy a no-argument factory method of {@link Strategy} of that name returns. */
    static Strategy strategy(String name) {
        try {
            return (Strategy) Strategy.class.getMethod(name).invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("no factory Strategy." + name + "()", e);
        }
    }
}
