package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.Ticker;
import io.lbkit.strategy.Candidates;
import io.lbkit.strategy.Picker;
import java.util.List;
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
        picker = LbkitPickBenchmark.strategy(strategy).newPicker(new FixedCandidates(w));
        keyed = LbkitPickBenchmark.HASHING.contains(strategy);
        keys = w.keys();
    }

    @Benchmark
    public int pick(Cursor cursor) {
        int i = cursor.next();
        return keyed ? picker.pick(keys[i]) : picker.pick();
    }

    /** Candidates whose load never changes. Thread-safe (immutable). */
    static final class FixedCandidates implements Candidates {
        private final List<Endpoint> endpoints;
        private final int[] weights;
        private final int[] loads;
        private final double[] latencies;

        FixedCandidates(Workload w) {
            endpoints = List.copyOf(w.lbkitEndpoints());
            weights = new int[w.size()];
            latencies = new double[w.size()];
            loads = w.loads();
            long[] sample = w.latencies();
            for (int i = 0; i < weights.length; i++) {
                weights[i] = w.weight(i);
                latencies[i] = sample[i & Workload.MASK];
            }
        }

        @Override
        public int size() {
            return weights.length;
        }

        @Override
        public Endpoint endpoint(int index) {
            return endpoints.get(index);
        }

        @Override
        public int weight(int index) {
            return weights[index];
        }

        @Override
        public int inFlight(int index) {
            return loads[index];
        }

        @Override
        public double latencyNanos(int index, long now) {
            return latencies[index];
        }

        @Override
        public Ticker ticker() {
            return Ticker.system();
        }
    }
}
