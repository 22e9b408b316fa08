package io.lbkit.jmh;

import io.lbkit.strategy.Candidates;
import io.lbkit.strategy.Picker;
import io.lbkit.strategy.Strategy;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Table build time of the hash strategies: what a routing-table rebuild (membership or health
 * change) costs, off the pick path.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar HashBuildBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HashBuildBenchmark {

    @Param({"ringHash", "maglev", "boundedLoad", "rendezvous", "weightedRoundRobin"})
    public String strategy;

    @Param({"10", "1000", "10000"})
    public int endpoints;

    private Strategy s;
    private Candidates candidates;

    @Setup
    public void setUp() {
        s = LbkitPickBenchmark.strategy(strategy);
        Workload w = new Workload(endpoints);
        candidates = FixedCandidates.idle(w);
    }

    @Benchmark
    public Picker build() {
        return s.newPicker(candidates);
    }
}
