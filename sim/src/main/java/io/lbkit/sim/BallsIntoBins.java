package io.lbkit.sim;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The balls-into-bins experiment through lbkit itself: n endpoints are the bins, n picks held
 * open (never reported) are the balls, and the maximum load is the largest in-flight count in
 * {@link LoadBalancer#stats()}. One random choice ({@link Strategy#random()}) against d choices
 * ({@link Strategy#leastRequest(int)}), compared with theory. Not thread-safe.
 */
final class BallsIntoBins {

    private BallsIntoBins() {}

    /** One strategy's outcome over several runs. */
    record Outcome(String strategy, int d, int n, int[] maxLoads, long[] binsByLoad,
            double buildMillis, double picksNanosPerBall) {}

    /**
     * Throws n balls into n bins {@code runs} times with each strategy; the balancer is built once
     * per strategy and its picks are released between runs.
     */
    static List<Outcome> run(int n, int runs) {
        List<Endpoint> bins = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            bins.add(Endpoint.of("10." + (i >> 16) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF),
                    8080));
        }
        EndpointGroup group = EndpointGroup.of(bins);
        List<Outcome> out = new ArrayList<>();
        out.add(one("random", 1, Strategy.random(), group, n, runs));
        out.add(one("leastRequest(2)", 2, Strategy.leastRequest(2), group, n, runs));
        out.add(one("leastRequest(3)", 3, Strategy.leastRequest(3), group, n, runs));
        return out;
    }

    private static Outcome one(String name, int d, Strategy strategy, EndpointGroup group, int n,
            int runs) {
        long t0 = System.nanoTime();
        LoadBalancer lb = LoadBalancer.builder(group)
                .strategy(strategy)
                .outlierDetection(OutlierDetection.disabled())
                .build();
        double buildMillis = (System.nanoTime() - t0) / 1e6;
        int[] maxLoads = new int[runs];
        long[] binsByLoad = new long[64];
        Pick[] balls = new Pick[n];
        long pickNanos = 0;
        try {
            for (int r = 0; r < runs; r++) {
                long p0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    balls[i] = lb.pick();
                }
                pickNanos += System.nanoTime() - p0;
                int max = 0;
                long sum = 0;
                for (EndpointStats s : lb.stats()) {
                    int load = s.inFlight();
                    max = Math.max(max, load);
                    sum += load;
                    binsByLoad[Math.min(load, binsByLoad.length - 1)]++;
                }
                if (sum != n) {
                    throw new IllegalStateException(name + ": " + sum + " balls in bins, expected " + n);
                }
                maxLoads[r] = max;
                for (int i = 0; i < n; i++) {
                    balls[i].release();
                    balls[i] = null;
                }
            }
        } finally {
            lb.close();
        }
        return new Outcome(name, d, n, maxLoads, binsByLoad, buildMillis,
                (double) pickNanos / ((long) n * runs));
    }

    /**
     * The mean-field (fluid limit) fraction of bins holding at least i balls after n balls into n
     * bins with d choices: {@code ds_i/dt = s_{i-1}^d - s_i^d}, {@code s_0 = 1}, t from 0 to 1
     * (Mitzenmacher's differential equations; for d = 1 the Poisson(1) tail).
     */
    static double[] meanField(int d, int levels) {
        double[] s = new double[levels + 1];
        s[0] = 1;
        int steps = 100_000;
        double dt = 1.0 / steps;
        double[] next = new double[levels + 1];
        for (int k = 0; k < steps; k++) {
            next[0] = 1;
            for (int i = 1; i <= levels; i++) {
                next[i] = s[i] + dt * (Math.pow(s[i - 1], d) - Math.pow(s[i], d));
            }
            System.arraycopy(next, 0, s, 0, s.length);
        }
        return s;
    }

    /**
     * The expected maximum load if the n bins were independent with the mean-field tail:
     * {@code sum over i >= 1 of 1 - (1 - s_i)^n}.
     */
    static double predictedMax(int d, int n) {
        double[] s = meanField(d, 40);
        double e = 0;
        for (int i = 1; i < s.length; i++) {
            e += 1 - Math.exp(n * Math.log1p(-Math.min(s[i], 1 - 1e-300)));
        }
        return e;
    }

    /** The Markdown table of the outcomes. */
    static String table(List<Outcome> outcomes) {
        StringBuilder b = new StringBuilder();
        b.append("| n | strategy | runs | max load per run | mean max | mean-field prediction |"
                + " asymptotic formula | bins with load 0/1/2/3/4/5+ (% of all runs) |"
                + " build ms | ns per pick |\n");
        b.append("|---:|---|---:|---|---:|---:|---:|---|---:|---:|\n");
        for (Outcome o : outcomes) {
            double lnN = Math.log(o.n());
            double formula = o.d() == 1 ? lnN / Math.log(lnN) : Math.log(lnN) / Math.log(o.d());
            String formulaText = o.d() == 1
                    ? String.format(Locale.ROOT, "ln n/ln ln n = %.2f", formula)
                    : String.format(Locale.ROOT, "ln ln n/ln %d = %.2f (+O(1))", o.d(), formula);
            StringBuilder maxes = new StringBuilder();
            double sum = 0;
            for (int m : o.maxLoads()) {
                if (maxes.length() > 0) {
                    maxes.append(' ');
                }
                maxes.append(m);
                sum += m;
            }
            long total = 0;
            for (long c : o.binsByLoad()) {
                total += c;
            }
            StringBuilder dist = new StringBuilder();
            for (int load = 0; load <= 5; load++) {
                long c = 0;
                if (load < 5) {
                    c = o.binsByLoad()[load];
                } else {
                    for (int k = 5; k < o.binsByLoad().length; k++) {
                        c += o.binsByLoad()[k];
                    }
                }
                if (load > 0) {
                    dist.append(" / ");
                }
                dist.append(String.format(Locale.ROOT, "%.2f", 100.0 * c / total));
            }
            b.append(String.format(Locale.ROOT,
                    "| %d | %s | %d | %s | %.2f | %.2f | %s | %s | %.0f | %.0f |%n",
                    o.n(), o.strategy(), o.maxLoads().length, maxes, sum / o.maxLoads().length,
                    predictedMax(o.d(), o.n()), formulaText, dist, o.buildMillis(),
                    o.picksNanosPerBall()));
        }
        return b.toString();
    }
}
