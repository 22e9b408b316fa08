package io.lbkit.jmh.peers;

import com.linecorp.armeria.common.loadbalancer.LoadBalancer;
import io.lbkit.jmh.Cursor;
import io.lbkit.jmh.Workload;
import java.util.ArrayList;
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
 * Armeria's generic load balancers ({@code com.linecorp.armeria.common.loadbalancer}) on lbkit's
 * workload: same endpoints, same weights, same pre-generated keys (for {@code ofSticky}, whose
 * context is the key itself). Armeria reports no outcome to these balancers, so one op is one
 * {@code pick}.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar ArmeriaPickBenchmark -prof gc -t 1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ArmeriaPickBenchmark {

    @Param({"roundRobin", "weightedRoundRobin", "weightedRandom", "sticky"})
    public String balancer;

    @Param({"3", "100", "10000"})
    public int endpoints;

    private LoadBalancer<Target, Long> lb;
    private Long[] keys;

    /** One endpoint as Armeria's balancers see it: any object, with a weight function. */
    record Target(String host, int port, int weight) {}

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        List<Target> targets = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            targets.add(new Target(Workload.host(i), Workload.PORT, w.weight(i)));
        }
        long[] raw = w.keys();
        keys = new Long[raw.length];
        for (int i = 0; i < raw.length; i++) {
            keys[i] = raw[i]; // boxed once here, not per pick
        }
        lb = switch (balancer) {
            case "roundRobin" -> cast(LoadBalancer.ofRoundRobin(targets));
            case "weightedRoundRobin" -> cast(LoadBalancer.ofWeightedRoundRobin(targets, Target::weight));
            case "weightedRandom" -> cast(LoadBalancer.ofWeightedRandom(targets, Target::weight));
            case "sticky" -> LoadBalancer.<Target, Long>ofSticky(targets, Long::longValue);
            default -> throw new IllegalArgumentException("no Armeria balancer " + balancer);
        };
    }

    @SuppressWarnings("unchecked")
    private static LoadBalancer<Target, Long> cast(LoadBalancer<Target, ?> lb) {
        return (LoadBalancer<Target, Long>) lb;
    }

    @Benchmark
    public Target pick(Cursor cursor) {
        return lb.pick(keys[cursor.next()]);
    }
}
