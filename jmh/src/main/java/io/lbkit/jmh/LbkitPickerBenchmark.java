package io.lbkit.jmh;

import io.lbkit.strategy.Candidates;
import io.lbkit.strategy.Picker;
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
 * A strategy's {@link Picker} alone, over fixed {@link Candidates} (constant in-flight loads and
 * latencies): what the strategy costs without the balancer's per-endpoint accounting (the
 * in-flight adder bumped on pick and dropped on report). Compare with {@link LbkitPickBenchmark}
 * to split a pick's cost between strategy and accounting, and with {@link FloorBenchmark}.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar LbkitPickerBenchmark -prof gc -t 1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LbkitPickerBenchmark {

    @Param({"roundRobin", "weightedRoundRobin", "random", "weightedRandom", "leastRequest",
            "peakEwma", "ringHash", "maglev", "boundedLoad", "rendezvous"})
    public String strategy;

    @Param({"3", "100", "10000"})
    public int endpoints;

    private Picker picker;
    private boolean keyed;
    private long[] keys;

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        picker = LbkitPickBenchmark.strategy(strategy).newPicker(FixedCandidates.loaded(w));
        keyed = LbkitPickBenchmark.HASHING.contains(strategy);
        keys = w.keys();
    }

    @Benchmark
    public int pick(Cursor cursor) {
        int i = cursor.next();
        return keyed ? picker.pick(keys[i]) : picker.pick();
    }
}
