package io.lbkit.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Pools the runs of one scenario (every policy, several seeds) and prints them as a Markdown
 * table. Not thread-safe.
 */
final class Report {

    /** The pooled figures of one policy in one scenario. */
    record Row(String policy, long[] latencies, long errors, long[] perServer, double ejections,
            long minP99, long maxP99, int runs, List<Timeline> timelines) {

        long quantile(double q) {
            return Result.quantile(latencies, q);
        }

        double errorRate() {
            return latencies.length == 0 ? 0 : (double) errors / latencies.length;
        }
    }

    private Report() {}

    /** Pools the runs of one policy (one per seed). */
    static Row pool(String policy, List<Result> runs) {
        int total = 0;
        int servers = 0;
        for (Result r : runs) {
            total += r.latencies().length;
            servers = Math.max(servers, r.perServer().length);
        }
        long[] all = new long[total];
        long[] perServer = new long[servers];
        long errors = 0;
        long ejections = 0;
        long minP99 = Long.MAX_VALUE;
        long maxP99 = Long.MIN_VALUE;
        int at = 0;
        List<Timeline> timelines = new ArrayList<>();
        for (Result r : runs) {
            timelines.add(r.timeline());
            System.arraycopy(r.latencies(), 0, all, at, r.latencies().length);
            at += r.latencies().length;
            for (int i = 0; i < r.perServer().length; i++) {
                perServer[i] += r.perServer()[i];
            }
            errors += r.errors();
            ejections += r.ejections();
            long p99 = r.quantile(0.99);
            minP99 = Math.min(minP99, p99);
            maxP99 = Math.max(maxP99, p99);
        }
        Arrays.sort(all);
        return new Row(policy, all, errors, perServer, (double) ejections / runs.size(), minP99,
                maxP99, runs.size(), timelines);
    }

    /** The Markdown table of one scenario. */
    static String table(Scenario scenario, List<Row> rows) {
        StringBuilder b = new StringBuilder();
        b.append("### ").append(scenario.name()).append('\n').append('\n');
        b.append(scenario.title()).append(String.format(Locale.ROOT,
                ". %.0f calls/s for %.0f s (first %.0f s not measured), %d servers at start.%n%n",
                scenario.callsPerSecond(), scenario.durationNanos() / 1e9,
                scenario.warmupNanos() / 1e9, scenario.servers().size()));
        b.append("| policy | p50 ms | p99 ms | p99.9 ms | errors % | p99 ms per seed (min-max)"
                + " | ejections/run | share % per server |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Row r : rows) {
            b.append("| ").append(r.policy())
                    .append(" | ").append(ms(r.quantile(0.50)))
                    .append(" | ").append(ms(r.quantile(0.99)))
                    .append(" | ").append(ms(r.quantile(0.999)))
                    .append(" | ").append(String.format(Locale.ROOT, "%.2f", 100 * r.errorRate()))
                    .append(" | ").append(ms(r.minP99())).append('-').append(ms(r.maxP99()))
                    .append(" | ").append(r.policy().equals(Policy.ORACLE.name()) ? "-"
                            : String.format(Locale.ROOT, "%.1f", r.ejections()))
                    .append(" | ").append(shares(r.perServer()))
                    .append(" |\n");
        }
        return b.toString();
    }

    /** Shares in percent, one decimal, space-separated, by server id. */
    static String shares(long[] perServer) {
        long total = 0;
        for (long n : perServer) {
            total += n;
        }
        List<String> parts = new ArrayList<>();
        for (long n : perServer) {
            parts.add(String.format(Locale.ROOT, "%.1f", total == 0 ? 0 : 100.0 * n / total));
        }
        return String.join(" ", parts);
    }

    /** Nanoseconds as milliseconds, with precision that suits the size. */
    static String ms(long nanos) {
        double ms = nanos / 1e6;
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f", ms);
        }
        if (ms < 100) {
            return String.format(Locale.ROOT, "%.1f", ms);
        }
        return String.format(Locale.ROOT, "%.0f", ms);
    }
}
