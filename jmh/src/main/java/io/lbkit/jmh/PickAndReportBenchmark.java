package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The one measured call of {@link LbkitPickBenchmark}, {@link LimitPickBenchmark},
 * {@link LbkitHealthBenchmark} and {@link MegamorphicPickBenchmark}: {@link LoadBalancer#pick()}
 * (or {@link LoadBalancer#pick(long)} with a pre-generated key, for the strategies of
 * {@link LbkitPickBenchmark#HASHING}) and {@link Pick#onSuccess} on the returned handle, on the
 * balancer a subclass builds in its {@code @Setup} and hands to {@link #measure}. Each subclass is
 * its own benchmark: JMH names the inherited method after it
 * ({@code LbkitPickBenchmark.pickAndReport}), and its {@code @Param}s and setup say what the
 * balancer is. Not thread-safe while set up; the benchmark threads then only read the fields.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class PickAndReportBenchmark {

    private LoadBalancer lb;
    private boolean keyed;
    private long[] keys;
    private long[] latencies;

    /**
     * The builder of a balancer over {@code w}'s endpoints with the strategy of that factory name
     * ({@link LbkitPickBenchmark#strategy}); the subclass adds what it measures.
     */
    static LoadBalancer.Builder balancer(Workload w, String strategy) {
        return LoadBalancer.builder(EndpointGroup.of(w.lbkitEndpoints()))
                .strategy(LbkitPickBenchmark.strategy(strategy));
    }

    /**
     * Makes {@code lb} the measured balancer, picked by key if {@code strategy} is a hashing one,
     * with {@code w}'s keys and latencies; closed at tear-down.
     */
    final void measure(LoadBalancer lb, String strategy, Workload w) {
        this.lb = lb;
        keyed = LbkitPickBenchmark.HASHING.contains(strategy);
        keys = w.keys();
        latencies = w.latencies();
    }

    /** The measured balancer. */
    final LoadBalancer lb() {
        return lb;
    }

    @TearDown
    public void tearDown() {
        lb.close();
    }

    /** pick + onSuccess: what the balancer costs per call. */
    @Benchmark
    public Endpoint pickAndReport(Cursor cursor) {
        return call(lb, keyed, keys, latencies, cursor.next());
    }

    /**
     * The one pick path of these benchmarks: the pick (by {@code keys[i]} if {@code keyed}) and its
     * success report with {@code latencies[i]}. {@link MegamorphicPickBenchmark} drives other
     * balancers through it to pollute its call sites' profiles.
     */
    static Endpoint call(LoadBalancer lb, boolean keyed, long[] keys, long[] latencies, int i) {
        Pick p = keyed ? lb.pick(keys[i]) : lb.pick();
        p.onSuccess(latencies[i]);
        return p.endpoint();
    }
}
