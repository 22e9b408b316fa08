package io.lbkit.jmh.peers;

import io.lbkit.jmh.Cursor;
import io.lbkit.jmh.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.rpc.RpcStatus;
import org.apache.dubbo.rpc.cluster.LoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.ConsistentHashLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.LeastActiveLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.RandomLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.RoundRobinLoadBalance;
import org.apache.dubbo.rpc.model.ServiceModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Apache Dubbo's cluster load balancers on lbkit's workload: one invoker per endpoint, its weight
 * in the URL ({@code weight=}), one invocation per pre-generated key (its first argument, which
 * {@code ConsistentHashLoadBalance} hashes). One op is {@code select}; for
 * {@code LeastActiveLoadBalance} also the {@link RpcStatus} begin and end counts through which
 * Dubbo tracks calls in flight (what its {@code ActiveLimitFilter} does per call).
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -jar jmh/target/benchmarks.jar DubboPickBenchmark -prof gc -t 1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DubboPickBenchmark {

    static final String SERVICE = "io.lbkit.jmh.Bench";
    static final String METHOD = "call";

    @Param({"random", "roundRobin", "leastActive", "consistentHash"})
    public String balancer;

    @Param({"3", "100", "10000"})
    public int endpoints;

    private LoadBalance lb;
    private List<Invoker<Object>> invokers;
    private URL consumerUrl;
    private Invocation[] invocations;
    private long[] latencies;
    private boolean countActive;

    @Setup
    public void setUp() {
        Workload w = new Workload(endpoints);
        invokers = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            invokers.add(new BenchInvoker(URL.valueOf("dubbo://" + Workload.host(i) + ":"
                    + Workload.PORT + "/" + SERVICE + "?weight=" + w.weight(i))));
        }
        consumerUrl = URL.valueOf("consumer://127.0.0.1/" + SERVICE);
        long[] keys = w.keys();
        invocations = new Invocation[Workload.INPUTS];
        for (int i = 0; i < invocations.length; i++) {
            // No service model: these balancers read only the method name and arguments.
            invocations[i] = new RpcInvocation((ServiceModel) null, METHOD, SERVICE, SERVICE,
                    new Class<?>[] {String.class}, new Object[] {Long.toHexString(keys[i])});
        }
        latencies = w.latencies();
        lb = switch (balancer) {
            case "random" -> new RandomLoadBalance();
            case "roundRobin" -> new RoundRobinLoadBalance();
            case "leastActive" -> new LeastActiveLoadBalance();
            case "consistentHash" -> new ConsistentHashLoadBalance();
            default -> throw new IllegalArgumentException("no Dubbo balancer " + balancer);
        };
        countActive = balancer.equals("leastActive");
        for (Invocation inv : invocations) {
            if (lb.select(invokers, consumerUrl, inv) == null) {
                throw new IllegalStateException(balancer + " selected nothing");
            }
        }
    }

    @Benchmark
    public Invoker<Object> pick(Cursor cursor) {
        int i = cursor.next();
        Invoker<Object> chosen = lb.select(invokers, consumerUrl, invocations[i]);
        if (countActive) {
            URL url = chosen.getUrl();
            RpcStatus.beginCount(url, METHOD);
            RpcStatus.endCount(url, METHOD, latencies[i] / 1_000_000, true);
        }
        return chosen;
    }

    /** An invoker that is never invoked: only its URL matters to a load balancer. */
    static final class BenchInvoker implements Invoker<Object> {
        private final URL url;

        BenchInvoker(URL url) {
            this.url = url;
        }

        @Override
        public Class<Object> getInterface() {
            return Object.class;
        }

        @Override
        public Result invoke(Invocation invocation) {
            throw new UnsupportedOperationException("benchmark invoker");
        }

        @Override
        public URL getUrl() {
            return url;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public void destroy() {}
    }
}
