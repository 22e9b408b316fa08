package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Whether profile pollution costs anything on the pick path: {@code pick()} + {@code onSuccess}
 * of one strategy (as {@link LbkitPickBenchmark}) in a JVM where only that strategy ever picked
 * ({@code profile=monomorphic}), against a JVM where, before the measurement, many strategies
 * picked through the very same call sites ({@code profile=polluted}).
 *
 * <p>The pick path has a few virtual call sites whose receiver depends on the table: the routing
 * table's {@code picker.pick()} (the real picker of each strategy, the empty table's lambda, and
 * the pickers strategies build for a single endpoint) and the picker's own calls into the
 * table's {@code Candidates}. An application with several balancers of different strategies
 * makes those sites megamorphic; the JIT then cannot inline the picker and calls it through the
 * vtable or an interface lookup. In {@code polluted}, setup drives seventeen balancers through
 * {@link #call} (the method the benchmark calls too): each of the eight strategies of
 * {@link #POLLUTERS} at 3 and at 1 endpoints, 200,000 picks by key and 200,000 without each, and
 * an empty balancer (its pick throws) 20,000 times, in 20 interleaved rounds: long enough for C2
 * to compile the path with those profiles. Then it measures one strategy alone.
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar MegamorphicPickBenchmark -prof gc -t 1
 * }</pre>
 *
 * <p>Compare the two {@code profile} rows of a strategy from the same run: the difference is
 * what a polluted profile costs.
 */
public class MegamorphicPickBenchmark extends PickAndReportBenchmark {

    /** The strategies whose balancers pollute the profile: keyed and unkeyed alike. */
    static final List<String> POLLUTERS = List.of("roundRobin", "weightedRoundRobin", "random",
            "leastRequest", "peakEwma", "ringHash", "maglev", "boundedLoad");

    /**
     * Picks per polluting balancer and entry point: enough for the interpreter, C1 and C2 to see
     * every type.
     */
    static final int POLLUTION_PICKS = 200_000;

    @Param({"monomorphic", "polluted"})
    public String profile;

    @Param({"roundRobin", "leastRequest", "maglev"})
    public String strategy;

    @Param({"3", "100"})
    public int endpoints;

    /** Keeps the polluting picks' results alive. */
    static volatile long sink;

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        measure(balancer(w, strategy).build(), strategy, w);
        if (profile.equals("polluted")) {
            pollute(w.keys(), w.latencies());
        } else if (!profile.equals("monomorphic")) {
            throw new IllegalArgumentException("profile must be monomorphic or polluted, was "
                    + profile);
        }
    }

    /**
     * Drives every polluting balancer through {@link #call}, round after round, with the measured
     * workload's inputs.
     */
    private static void pollute(long[] keys, long[] latencies) {
        Workload three = new Workload(3);
        List<Endpoint> one = three.lbkitEndpoints().subList(0, 1);
        List<LoadBalancer> polluters = new ArrayList<>();
        List<Boolean> keyedPolluters = new ArrayList<>();
        for (String name : POLLUTERS) {
            for (List<Endpoint> eps : List.of(three.lbkitEndpoints(), one)) {
                polluters.add(LoadBalancer.builder(EndpointGroup.of(eps))
                        .strategy(LbkitPickBenchmark.strategy(name)).build());
                keyedPolluters.add(LbkitPickBenchmark.HASHING.contains(name));
            }
        }
        LoadBalancer empty = LoadBalancer.builder(EndpointGroup.of(List.of())).build();
        long result = 0;
        int rounds = 20;
        try {
            for (int round = 0; round < rounds; round++) {
                for (int b = 0; b < polluters.size(); b++) {
                    LoadBalancer p = polluters.get(b);
                    boolean k = keyedPolluters.get(b);
                    for (int j = 0; j < POLLUTION_PICKS / rounds; j++) {
                        int i = j & Workload.MASK;
                        // Both entry points, so keyed and unkeyed sites see every picker.
                        result += call(p, k, keys, latencies, i).port();
                        result += call(p, !k, keys, latencies, i).port();
                    }
                }
                for (int j = 0; j < 1_000; j++) { // throws: kept short
                    try {
                        call(empty, (j & 1) == 0, keys, latencies, j & Workload.MASK);
                        throw new IllegalStateException("an empty balancer picked");
                    } catch (NoEndpointAvailableException expected) {
                        result++;
                    }
                }
            }
        } finally {
            for (LoadBalancer p : polluters) {
                p.close();
            }
            empty.close();
        }
        sink += result;
    }
}
