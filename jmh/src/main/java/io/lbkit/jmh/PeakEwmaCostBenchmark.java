package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.Ticker;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * Where peak EWMA's pick + report time goes beside least request's (issue 19 item 2): the same
 * call as {@link LbkitPickBenchmark#pickAndReport}, for both strategies, with the system clock
 * ({@code clock=system}, what users get) and with a ticker that reads a field
 * ({@code clock=field}: a clock read that costs one memory read, to price the
 * {@code System.nanoTime()} calls; the field never advances, so every estimate stays fresh).
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar 'PeakEwmaCostBenchmark|FloorBenchmark.clockRead' \
 *     -p endpoints=3,100 -f 1 -wi 3 -w 1s -i 5 -r 500ms -prof gc -t 1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PeakEwmaCostBenchmark {

    @Param({"leastRequest", "peakEwma"})
    public String strategy;

    @Param({"system", "field"})
    public String clock;

    @Param({"3", "100"})
    public int endpoints;

    /** The {@code field} clock's reading: set once, so estimates never age. */
    private volatile long fieldNanos = System.nanoTime();

    private LoadBalancer lb;
    private long[] latencies;

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        Ticker ticker = clock.equals("system") ? Ticker.system() : () -> fieldNanos;
        lb = LoadBalancer.builder(EndpointGroup.of(w.lbkitEndpoints()))
                .strategy(LbkitPickBenchmark.strategy(strategy))
                .ticker(ticker)
                .build();
        latencies = w.latencies();
    }

    @TearDown
    public void tearDown() {
        lb.close();
    }

    /** pick + onSuccess, as {@link LbkitPickBenchmark#pickAndReport}. */
    @Benchmark
    public Endpoint pickAndReport(Cursor cursor) {
        int i = cursor.next();
        Pick p = lb.pick();
        p.onSuccess(latencies[i]);
        return p.endpoint();
    }
}
