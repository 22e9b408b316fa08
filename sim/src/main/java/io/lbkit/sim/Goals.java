package io.lbkit.sim;

import java.util.Locale;
import java.util.Map;

/** Checks the goals against the pooled rows and writes the verdicts. */
final class Goals {

    private static final String[] STRATEGIES = {"roundRobin", "weightedRoundRobin", "random",
        "weightedRandom", "leastRequest", "peakEwma"};

    private Goals() {}

    static void check(Map<String, Map<String, Report.Row>> byScenario, StringBuilder out) {
        for (String name : new String[] {"slow-server", "slow-server-no-od"}) {
            Map<String, Report.Row> slow = byScenario.get(name);
            if (slow == null) {
                continue;
            }
            String best = null;
            long bestP99 = Long.MAX_VALUE;
            for (String s : STRATEGIES) {
                long p99 = slow.get(s).quantile(0.99);
                if (p99 < bestP99) {
                    bestP99 = p99;
                    best = s;
                }
            }
            long oracle = slow.get(Policy.ORACLE.name()).quantile(0.99);
            long rr = slow.get("roundRobin").quantile(0.99);
            double vsOracle = (double) bestP99 / oracle;
            double vsRr = (double) bestP99 / rr;
            out.append(String.format(Locale.ROOT,
                    "- %s: best lbkit strategy %s, p99 %s ms; oracle %s ms (ratio %.2f,"
                            + " goal <= 1.30: %s); round robin %s ms (ratio %.3f, goal <= 0.333:"
                            + " %s)%n",
                    name, best, Report.ms(bestP99), Report.ms(oracle), vsOracle,
                    vsOracle <= 1.3 ? "met" : "NOT met", Report.ms(rr), vsRr,
                    vsRr <= 1.0 / 3 ? "met" : "NOT met"));
        }
        for (String name : new String[] {"fail-fast", "fail-fast-no-od"}) {
            Map<String, Report.Row> rows = byScenario.get(name);
            if (rows == null) {
                continue;
            }
            Report.Row rrRow = rows.get("roundRobin");
            double rr = rrRow.errorRate();
            // Rates this small are counts of a few calls: allow three binomial standard errors
            // (of round robin's rate, or of 1/n when it is 0) before calling a strategy worse.
            double n = rrRow.latencies().length;
            double tolerance = 3 * Math.sqrt(Math.max(rr * (1 - rr), 1 / n) / n);
            StringBuilder worse = new StringBuilder();
            StringBuilder all = new StringBuilder();
            for (String s : STRATEGIES) {
                double e = rows.get(s).errorRate();
                all.append(String.format(Locale.ROOT, " %s %.3f%%", s, 100 * e));
                if (e > rr + tolerance) {
                    worse.append(' ').append(s);
                }
            }
            out.append(String.format(Locale.ROOT,
                    "- %s: error rates%s; above round robin's by more than %.3f points (3 standard"
                            + " errors):%s%n",
                    name, all, 100 * tolerance,
                    worse.length() == 0 ? " none (goal met)" : worse + " (goal NOT met)"));
        }
    }
}
