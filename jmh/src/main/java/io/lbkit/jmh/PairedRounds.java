package io.lbkit.jmh;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * {@link LbkitPickBenchmark}'s pick + report at 1 and 2 threads, in short rounds that count only
 * when both threads really ran at the same time: a bounded benchmark program for comparing
 * variants on a machine that other work shares. Not a replacement for the JMH figures.
 *
 * <p>On a loaded machine a JMH run at 2 threads mostly measures the scheduler: the two benchmark
 * threads seldom hold both cores at once, and a descheduled thread's ops still count. Here every
 * round starts both threads together (a spin barrier), each runs {@code ops} pick + report calls
 * and records when it started and ended; a 2-thread round counts only when the two intervals
 * overlap for at least 90% of the longer one, and then counts the longer thread's time per op.
 * Configurations alternate round by round, so they share the machine's drift; the report gives,
 * per configuration, the best and the 20th-percentile round and how many 2-thread rounds
 * overlapped. Builds of lb-core can be compared in one JVM: each {@code label=jar} loads that
 * lb-core jar in a class loader of its own (the driver and workload from this jar).
 *
 * <pre>{@code
 * mvn -B -q -pl jmh -am package -DskipTests
 * java -cp jmh/target/benchmarks.jar io.lbkit.jmh.PairedRounds 300 2000 leastRequest,peakEwma 3,100
 * java -cp jmh/target/benchmarks.jar io.lbkit.jmh.PairedRounds 300 2000 leastRequest 3 \
 *     main=/tmp/main-lb-core.jar,branch=lb-core/target/lb-core-0.1.0-SNAPSHOT.jar
 * }</pre>
 *
 * <p>Arguments: rounds per configuration, ops per round, strategies (no-argument factories of
 * {@link Strategy}; a {@code @coarseClock} suffix gives the balancer a ticker that reads a field
 * refreshed once per round instead of {@code System.nanoTime()}, to price the clock reads;
 * {@code floorAdders} is {@link FloorBenchmark#twoRandomChoicesAdders}'s loop), endpoint counts,
 * and optionally the builds to compare.
 */
public final class PairedRounds {

    private static volatile int go = -1;
    private static final AtomicInteger done = new AtomicInteger();
    private static volatile long sink;

    private PairedRounds() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: PairedRounds rounds ops strategies endpoints [label=lb-core.jar,...]");
            System.exit(2);
        }
        int rounds = Integer.parseInt(args[0]);
        int ops = Integer.parseInt(args[1]);
        URL self = PairedRounds.class.getProtectionDomain().getCodeSource().getLocation();
        String builds = args.length > 4 ? args[4] : "this=";
        List<String> labels = new ArrayList<>();
        List<IntUnaryOperator[]> loops = new ArrayList<>();
        List<Integer> threads = new ArrayList<>();
        for (String build : builds.split(",")) {
            String[] lj = build.split("=", 2);
            URL[] path = lj[1].isEmpty() ? new URL[] {self}
                    : new URL[] {new File(lj[1]).toURI().toURL(), self};
            ClassLoader loader = new URLClassLoader(path, ClassLoader.getPlatformClassLoader());
            for (String s : args[2].split(",")) {
                for (String n : args[3].split(",")) {
                    @SuppressWarnings("unchecked")
                    IntFunction<IntUnaryOperator> d = (IntFunction<IntUnaryOperator>) loader
                            .loadClass(Driver.class.getName())
                            .getConstructor(String.class, int.class)
                            .newInstance(s, Integer.parseInt(n));
                    for (int t = 1; t <= 2; t++) {
                        labels.add(lj[0] + " " + s + " n=" + n + " t=" + t);
                        loops.add(new IntUnaryOperator[] {d.apply(0), d.apply(1)});
                        threads.add(t);
                    }
                }
            }
        }
        int configs = labels.size();
        double[][] perOp = new double[configs][rounds];
        long[][] interval = new long[2][2];
        Thread second = new Thread(() -> {
            int seen = -1;
            while (true) {
                int g;
                while ((g = go) == seen) {
                    Thread.onSpinWait();
                }
                seen = g;
                if (g == Integer.MAX_VALUE) {
                    return;
                }
                if (threads.get(g % configs) == 2) {
                    long t0 = System.nanoTime();
                    sink += loops.get(g % configs)[1].applyAsInt(ops);
                    interval[1][1] = System.nanoTime();
                    interval[1][0] = t0;
                }
                done.incrementAndGet();
            }
        }, "paired-rounds-2");
        second.setDaemon(true);
        second.start();
        int warm = Math.max(5, rounds / 5);
        for (int r = 0; r < (rounds + warm) * configs; r++) {
            int cfg = r % configs;
            done.set(0);
            go = r;
            long t0 = System.nanoTime();
            sink += loops.get(cfg)[0].applyAsInt(ops);
            interval[0][1] = System.nanoTime();
            interval[0][0] = t0;
            while (done.get() < 1) {
                Thread.onSpinWait();
            }
            int round = r / configs - warm;
            if (round < 0) {
                continue;
            }
            long d0 = interval[0][1] - interval[0][0];
            if (threads.get(cfg) == 1) {
                perOp[cfg][round] = (double) d0 / ops;
            } else {
                long d1 = interval[1][1] - interval[1][0];
                long overlap = Math.min(interval[0][1], interval[1][1])
                        - Math.max(interval[0][0], interval[1][0]);
                long longer = Math.max(d0, d1);
                perOp[cfg][round] = overlap >= 0.9 * longer ? (double) longer / ops
                        : Double.POSITIVE_INFINITY;
            }
        }
        go = Integer.MAX_VALUE;
        second.join();
        System.out.printf("load average %.2f at the end%n", java.lang.management.ManagementFactory
                .getOperatingSystemMXBean().getSystemLoadAverage());
        for (int i = 0; i < configs; i++) {
            double[] v = perOp[i].clone();
            Arrays.sort(v);
            long valid = Arrays.stream(v).filter(x -> x != Double.POSITIVE_INFINITY).count();
            System.out.printf("%-44s best %8.1f  p20 %8.1f ns/op  (%d of %d rounds counted)%n",
                    labels.get(i), v[0], v[rounds / 5], valid, rounds);
        }
    }

    /**
     * One configuration over one lb-core build: loaded by that build's class loader, so that its
     * references to lbkit resolve to that build. Public for the reflective construction.
     */
    public static final class Driver implements IntFunction<IntUnaryOperator> {

        /** What a {@code @coarseClock} balancer's ticker returns; set at each round's start. */
        static volatile long coarseNow = System.nanoTime();

        private final LoadBalancer lb; // null for floorAdders
        private final LongAdder[] adders;
        private final long[] latencies;

        public Driver(String strategy, int endpoints) throws ReflectiveOperationException {
            Workload w = new Workload(endpoints);
            latencies = w.latencies();
            adders = new LongAdder[endpoints];
            for (int i = 0; i < endpoints; i++) {
                adders[i] = new LongAdder();
            }
            if (strategy.equals("floorAdders")) {
                lb = null;
                return;
            }
            String name = strategy.replace("@coarseClock", "");
            LoadBalancer.Builder b = LoadBalancer.builder(EndpointGroup.of(w.lbkitEndpoints()))
                    .strategy((Strategy) Strategy.class.getMethod(name).invoke(null));
            if (!name.equals(strategy)) {
                b.ticker(() -> coarseNow);
            }
            lb = b.build();
        }

        @Override
        public IntUnaryOperator apply(int thread) {
            if (lb == null) {
                return ops -> {
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    int h = 0;
                    for (int k = 0; k < ops; k++) {
                        int a = r.nextInt(adders.length);
                        int b = r.nextInt(adders.length);
                        int chosen = adders[a].sum() <= adders[b].sum() ? a : b;
                        adders[chosen].increment();
                        adders[chosen].decrement();
                        h += chosen;
                    }
                    return h;
                };
            }
            return new Loop(lb, latencies.clone());
        }
    }

    /** One thread's pick + report loop, with its own position in the latencies. */
    static final class Loop implements IntUnaryOperator {
        private final LoadBalancer lb;
        private final long[] latencies;
        private int cursor;

        Loop(LoadBalancer lb, long[] latencies) {
            this.lb = lb;
            this.latencies = latencies;
        }

        @Override
        public int applyAsInt(int ops) {
            Driver.coarseNow = System.nanoTime();
            int h = 0;
            int c = cursor;
            for (int k = 0; k < ops; k++) {
                Pick p = lb.pick();
                p.onSuccess(latencies[c++ & Workload.MASK]);
                h += p.endpoint().port();
            }
            cursor = c;
            return h;
        }
    }
}
