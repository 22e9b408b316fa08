package io.lbkit.jmh;

import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.util.Set;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

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
public class LbkitPickBenchmark extends PickAndReportBenchmark {

    /** Strategies whose pick takes a key: they are driven through {@link LoadBalancer#pick(long)}. */
    static final Set<String> HASHING = Set.of("ringHash", "maglev", "boundedLoad", "rendezvous");

    @Param({"roundRobin", "weightedRoundRobin", "random", "weightedRandom", "leastRequest",
            "peakEwma", "ringHash", "maglev", "boundedLoad", "rendezvous"})
    public String strategy;

    @Param({"3", "100", "10000"})
    public int endpoints;

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        measure(balancer(w, strategy).build(), strategy, w);
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
