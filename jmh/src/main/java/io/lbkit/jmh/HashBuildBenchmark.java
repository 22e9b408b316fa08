package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.Ticker;
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
        Endpoint[] eps = new Endpoint[endpoints];
        int[] weights = new int[endpoints];
        for (int i = 0; i < endpoints; i++) {
            eps[i] = Endpoint.of(Workload.host(i), 8080, w.weight(i));
            weights[i] = w.weight(i);
        }
        candidates = new Candidates() {
            @Override
            public int size() {
                return eps.length;
            }

            @Override
            public Endpoint endpoint(int index) {
                return eps[index];
            }

            @Override
            public int weight(int index) {
                return weights[index];
            }

            @Override
            public int inFlight(int index) {
                return 0;
            }

            @Override
            public double latencyNanos(int index, long now) {
                return 0;
            }

            @Override
            public Ticker ticker() {
                return Ticker.system();
            }
        };
    }

    @Benchmark
    public Picker build() {
        return s.newPicker(candidates);
    }
}
