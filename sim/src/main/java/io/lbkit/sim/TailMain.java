package io.lbkit.sim;

import io.lbkit.cli.CommandLine;
import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.retry.HedgePolicy;
import io.lbkit.retry.RetryBudget;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the tail simulations ({@link TailSim}) and prints Markdown tables: the heavy-tail scenario
 * with and without hedging, and the overload ramp with and without an adaptive concurrency
 * limit, per strategy, with the goals.
 *
 * <pre>
 * java -jar sim/target/lb-sim.jar --tail [--seeds N] [--seed S] [--scale X]
 * </pre>
 */
final class TailMain {

    private static final List<String> NAMES = List.of("roundRobin", "random", "leastRequest",
            "peakEwma");
    private static final List<Supplier<Strategy>> STRATEGIES = List.of(Strategy::roundRobin,
            Strategy::random, Strategy::leastRequest, Strategy::peakEwma);

    private TailMain() {}

    static void main(String[] args) {
        int seeds = 3;
        long seed = 1;
        double scale = 1;
        CommandLine cl = new CommandLine(args);
        while (cl.hasNext()) {
            switch (cl.next()) {
                case "--seeds" -> seeds = cl.positive();
                case "--seed" -> seed = cl.longValue();
                case "--scale" -> scale = cl.doubleIn(0, 100);
                case "--help", "-h" -> {
                    System.out.println("usage: java -jar lb-sim.jar --tail [--seeds N (3)]"
                            + " [--seed S (1)] [--scale X (1): run length]");
                    return;
                }
                default -> throw cl.unknown();
            }
        }
        long t0 = System.nanoTime();
        StringBuilder goals = new StringBuilder();
        heavyTail(seeds, seed, scale, goals);
        overloadRamp(seeds, seed, scale, goals);
        System.out.println("## Tail goals");
        System.out.println();
        System.out.print(goals);
        System.err.printf(Locale.ROOT, "tail: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    private static void heavyTail(int seeds, long seed, double scale, StringBuilder goals) {
        long warmup = Math.round(10e9 * scale);
        long duration = Math.round(70e9 * scale);
        System.out.println("## heavy-tail: hedging");
        System.out.println();
        System.out.println("10 servers of 4 workers at 50% utilisation; each attempt's work 5 ms"
                + " + Exp(5 ms), 1% of attempts 10x slower; " + (duration - warmup) / 1_000_000_000
                + " s measured after " + warmup / 1_000_000_000 + " s warm-up, " + seeds
                + " seeds. Hedged: HedgePolicy.of() (one hedge after the recent p95 of attempt"
                + " latency) paid from RetryBudget.of(), to a different endpoint; the loser is"
                + " released (skipped if queued, runs to its end if in service).");
        System.out.println();
        System.out.println("| strategy | hedging | p50 ms | p99 ms | p99.9 ms | hedges % of calls"
                + " | server work % of unhedged | p95 hedge delay ms (end) |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        for (int k = 0; k < NAMES.size(); k++) {
            TailSim.Run[] plain = new TailSim.Run[seeds];
            TailSim.Run[] hedged = new TailSim.Run[seeds];
            long delay = 0;
            for (int s = 0; s < seeds; s++) {
                plain[s] = new TailSim(STRATEGIES.get(k).get(), seed + s, warmup, duration)
                        .heavyTail(0.5, null, null);
                TailSim sim = new TailSim(STRATEGIES.get(k).get(), seed + s, warmup, duration);
                HedgePolicy policy = HedgePolicy.builder().ticker(sim.clock).build();
                RetryBudget budget = RetryBudget.builder().ticker(sim.clock).build();
                hedged[s] = sim.heavyTail(0.5, policy, budget);
                delay += policy.delayNanos();
            }
            Pooled p = pool(plain);
            Pooled h = pool(hedged);
            row(NAMES.get(k), "none", p, p, Double.NaN);
            row(NAMES.get(k), "p95", h, p, delay / (double) seeds / 1e6);
            double ratio = (double) h.q(0.999) / p.q(0.999);
            double extra = 100.0 * h.hedges / h.calls;
            goals.append(String.format(Locale.ROOT,
                    "- heavy-tail %s: hedged p99.9 %s ms vs unhedged %s ms (ratio %.2f, goal <="
                            + " 0.333: %s) for %.2f%% extra requests (goal <= 5%%: %s)%n",
                    NAMES.get(k), ms(h.q(0.999)), ms(p.q(0.999)), ratio,
                    ratio <= 1.0 / 3 ? "met" : "NOT met", extra, extra <= 5 ? "met" : "NOT met"));
            System.err.printf(Locale.ROOT, "heavy-tail %s done%n", NAMES.get(k));
        }
        System.out.println();
    }

    private static void row(String strategy, String variant, Pooled r, Pooled base, double delayMs) {
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %.2f | %.1f | %s |%n", strategy,
                variant, ms(r.q(0.5)), ms(r.q(0.99)), ms(r.q(0.999)), 100.0 * r.hedges / r.calls,
                100.0 * r.busy / base.busy,
                Double.isNaN(delayMs) ? "-" : String.format(Locale.ROOT, "%.1f", delayMs));
    }

    private static void overloadRamp(int seeds, long seed, double scale, StringBuilder goals) {
        // Offered load 0.5x..2x capacity over 60 s: it passes capacity at 20 s; only the
        // overloaded 40 s are measured.
        long duration = Math.round(60e9 * scale);
        long warmup = duration / 3;
        double capacity = TailSim.SERVERS * TailSim.WORKERS / (10.0 * TailSim.MS) * 1e9;
        System.out.println("## overload-ramp: adaptive concurrency limit");
        System.out.println();
        System.out.printf(Locale.ROOT, "10 servers of 4 workers, Exp(10 ms) work: capacity %.0f"
                + " calls/s. Offered load rises linearly from 0.5x to 2x capacity over %d s;"
                + " measured while above capacity (the last %d s), %d seeds. Client timeout 1 s;"
                + " servers skip queued calls whose caller gave up. Limited: the balancer's"
                + " concurrencyLimit(ConcurrencyLimit.gradient()), an endpoint at its limit"
                + " skipped, all at their limits -> the pick fails at once (AT_CAPACITY).%n%n",
                capacity, duration / 1_000_000_000, (duration - warmup) / 1_000_000_000, seeds);
        System.out.println("| strategy | limit | goodput % of capacity | p50 ms (answered) |"
                + " p99 ms (answered) | rejected at once % | timed out % |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|");
        for (int k = 0; k < NAMES.size(); k++) {
            Pooled[] byVariant = new Pooled[2];
            for (int v = 0; v < 2; v++) {
                TailSim.Run[] runs = new TailSim.Run[seeds];
                for (int s = 0; s < seeds; s++) {
                    runs[s] = new TailSim(STRATEGIES.get(k).get(), seed + s, warmup, duration,
                            v == 0 ? null : ConcurrencyLimit.gradient()).overloadRamp(0.5, 2.0);
                }
                Pooled r = pool(runs);
                byVariant[v] = r;
                double goodput = r.good / (r.nanos / 1e9) / capacity;
                long measuredCalls = r.measuredCalls;
                System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %s | %s | %.1f | %.1f |%n",
                        NAMES.get(k), v == 0 ? "none" : "gradient", 100 * goodput, ms(r.q(0.5)),
                        ms(r.q(0.99)), 100.0 * r.rejected / measuredCalls,
                        100.0 * (r.errors - r.rejected) / measuredCalls);
            }
            double g0 = byVariant[0].good / (byVariant[0].nanos / 1e9) / capacity;
            double g1 = byVariant[1].good / (byVariant[1].nanos / 1e9) / capacity;
            goals.append(String.format(Locale.ROOT,
                    "- overload-ramp %s: goodput with the gradient limit %.1f%% of capacity (goal"
                            + " >= 90%%: %s), p99 of answered calls %s ms; unlimited %.1f%%, p99 %s"
                            + " ms%n",
                    NAMES.get(k), 100 * g1, g1 >= 0.9 ? "met" : "NOT met",
                    ms(byVariant[1].q(0.99)), 100 * g0, ms(byVariant[0].q(0.99))));
            System.err.printf(Locale.ROOT, "overload-ramp %s done%n", NAMES.get(k));
        }
        System.out.println();
    }

    /** Runs of one variant pooled over the seeds. */
    private record Pooled(long[] sorted, long calls, long measuredCalls, long errors,
            long rejected, long hedges, double busy, long good, double nanos) {
        long q(double q) {
            return Result.quantile(sorted, q);
        }
    }

    private static Pooled pool(TailSim.Run[] runs) {
        List<long[]> parts = new ArrayList<>();
        long calls = 0;
        long errors = 0;
        long rejected = 0;
        long hedges = 0;
        long good = 0;
        double busy = 0;
        double nanos = 0;
        int n = 0;
        for (TailSim.Run r : runs) {
            parts.add(r.latencies());
            n += r.latencies().length;
            calls += r.calls();
            errors += r.errors();
            rejected += r.rejected();
            hedges += r.hedges();
            busy += r.busyNanos();
            good += r.goodCalls();
            nanos += r.durationNanos();
        }
        long[] all = new long[n];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        Arrays.sort(all);
        return new Pooled(all, calls, good + errors, errors, rejected, hedges, busy, good, nanos);
    }

    private static String ms(long nanos) {
        return Report.ms(nanos);
    }
}
