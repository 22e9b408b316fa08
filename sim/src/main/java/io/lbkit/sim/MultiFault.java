package io.lbkit.sim;

import io.lbkit.EndpointStats;
import io.lbkit.health.HealthStatus;
import io.lbkit.sim.LbkitRouter.BalancerOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The multi-fault scenarios of issue 13 (docs/failure-model.md): 5 servers of which 2 or 3 fail
 * at the same moment (crashed, so calls hang until the timeout; or answering errors in 1 ms, as a
 * 5xx or a refused connection does) and recover 20 s later; the load is 70% of what the servers
 * left can carry. Adds, per strategy, the failing servers' share during the fault and the time
 * until each recovered server is back to half its fair share, against the bound of the failure
 * model: 10 s after recovering, or 2 s after its ejection ends when it was still ejected.
 * Stateless.
 */
final class MultiFault {

    static final long FAULT_AT = Scenario.s(20);
    static final long RECOVER_AT = Scenario.s(40);
    static final long DURATION = Scenario.s(70);
    static final int SERVERS = 5;
    /** The recovery bound for a server that was not ejected when it recovered, in seconds. */
    static final int BOUND_SECONDS = 10;
    /** ... and after its ejection ended, for one that was. */
    static final int AFTER_EJECTION_SECONDS = 2;

    enum Fault { DEAD, FAIL_FAST }

    /** One scenario's faults: server id → fault. */
    private static final Map<String, Map<Integer, Fault>> FAULTS = new LinkedHashMap<>();

    private MultiFault() {}

    static List<Scenario> scenarios() {
        List<Scenario> out = new ArrayList<>();
        add(out, "multi-2of5-dead", "servers 0-1 crash at 20 s (calls hang until the 1 s"
                + " timeout) and return at 40 s", Map.of(0, Fault.DEAD, 1, Fault.DEAD), true);
        add(out, "multi-2of5-fail-fast", "servers 0-1 answer every call with an error in 1 ms"
                + " from 20 s to 40 s", Map.of(0, Fault.FAIL_FAST, 1, Fault.FAIL_FAST), true);
        add(out, "multi-3of5-dead", "servers 0-2 crash at 20 s and return at 40 s",
                Map.of(0, Fault.DEAD, 1, Fault.DEAD, 2, Fault.DEAD), true);
        add(out, "multi-3of5-fail-fast", "servers 0-2 fail fast from 20 s to 40 s",
                Map.of(0, Fault.FAIL_FAST, 1, Fault.FAIL_FAST, 2, Fault.FAIL_FAST), true);
        Map<Integer, Fault> mixed = Map.of(0, Fault.DEAD, 1, Fault.FAIL_FAST, 2, Fault.FAIL_FAST);
        add(out, "multi-3of5-mixed", "from 20 s to 40 s server 0 hangs (crashed), 1 fails fast"
                + " (5xx), 2 refuses connections (fails fast)", mixed, true);
        add(out, "multi-3of5-mixed-no-od", "as multi-3of5-mixed, with outlier detection off",
                mixed, false);
        return out;
    }

    private static void add(List<Scenario> out, String name, String title,
            Map<Integer, Fault> faults, boolean outlierDetection) {
        FAULTS.put(name, faults);
        List<ServerSpec> five = Collections.nCopies(SERVERS,
                new ServerSpec(Scenario.WORKERS, Scenario.MEAN, 1));
        double rate = 0.70 * (SERVERS - faults.size()) * five.get(0).capacityPerSecond();
        Scenario.Script script = sim -> {
            sim.clock.at(FAULT_AT, () -> faults.forEach((id, f) -> {
                if (f == Fault.DEAD) {
                    sim.kill(sim.server(id));
                } else {
                    sim.failFast(sim.server(id));
                }
            }));
            sim.clock.at(RECOVER_AT, () -> faults.keySet().forEach(
                    id -> sim.revive(sim.server(id), 1, 0)));
            if (sim.router() instanceof LbkitRouter) {
                sampleEjections(sim, ((LbkitRouter) sim.router()), Scenario.ms(250));
            }
        };
        out.add(new Scenario(name, title + String.format(Locale.ROOT, "; 70%% of the %d good"
                + " servers' capacity", SERVERS - faults.size()), five, true, rate, DURATION,
                Scenario.WARMUP, Scenario.TIMEOUT, new BalancerOptions(outlierDetection, null,
                        false), script));
    }

    private static void sampleEjections(Simulation sim, LbkitRouter router, long every) {
        sim.clock.after(every, () -> {
            long now = sim.clock.read();
            for (EndpointStats st : router.balancer().stats()) {
                if (st.health() == HealthStatus.EJECTED) {
                    sim.timeline.ejected(st.endpoint().port() - Simulation.BASE_PORT, now);
                }
            }
            if (now < DURATION) {
                sampleEjections(sim, router, every);
            }
        });
    }

    /**
     * Seconds from recovery until server {@code id} first gets at least half its fair share (a
     * fifth of the calls of that second) in a whole second, counting that second; -1 if never.
     */
    static int backToFairShare(Timeline t, int id) {
        int from = (int) (RECOVER_AT / 1_000_000_000L);
        int to = (int) (DURATION / 1_000_000_000L);
        for (int s = from; s < to; s++) {
            long total = 0;
            for (int i = 0; i < SERVERS; i++) {
                total += t.picks(i, s);
            }
            if (total > 0 && t.picks(id, s) * 2 * SERVERS >= total) {
                return s + 1 - from;
            }
        }
        return -1;
    }

    /** The bound for server {@code id} in seconds after recovery (see the class comment). */
    static int bound(Timeline t, int id) {
        int from = (int) (RECOVER_AT / 1_000_000_000L);
        int to = (int) (DURATION / 1_000_000_000L);
        int s = from;
        while (s < to && t.ejected(id, s)) {
            s++;
        }
        return s == from ? BOUND_SECONDS
                : Math.max(BOUND_SECONDS, s - from + AFTER_EJECTION_SECONDS);
    }

    /** Share of the calls during the fault (in percent) sent to the failing and to the good servers. */
    private static double[] faultShares(Row row, Map<Integer, Fault> faults) {
        int from = (int) (FAULT_AT / 1_000_000_000L);
        int to = (int) (RECOVER_AT / 1_000_000_000L);
        double bad = 0;
        double good = 0;
        for (Timeline t : row.timelines()) {
            for (int s = from; s < to; s++) {
                for (int i = 0; i < SERVERS; i++) {
                    if (faults.containsKey(i)) {
                        bad += t.picks(i, s);
                    } else {
                        good += t.picks(i, s);
                    }
                }
            }
        }
        double total = bad + good;
        return new double[] {100 * bad / total / faults.size(),
            100 * good / total / (SERVERS - faults.size())};
    }

    private record Recovery(int worst, int worstBound, boolean met) {}

    private static Recovery recovery(Row row, Map<Integer, Fault> faults) {
        int worst = 0;
        int worstBound = 0;
        boolean met = true;
        for (Timeline t : row.timelines()) {
            for (int id : faults.keySet()) {
                int back = backToFairShare(t, id);
                int bound = bound(t, id);
                met &= back >= 0 && back <= bound;
                if (back < 0 || back > worst) {
                    worst = back < 0 ? Integer.MAX_VALUE : back;
                    worstBound = bound;
                }
            }
        }
        return new Recovery(worst, worstBound, met);
    }

    private record Row(String policy, List<Timeline> timelines) {}

    /** The extra table of a multi-fault scenario; empty for any other. */
    static String table(Scenario s, List<Report.Row> rows) {
        Map<Integer, Fault> faults = FAULTS.get(s.name());
        if (faults == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        b.append("| policy | share % per failing server, during the fault | share % per good"
                + " server | s back to half the fair share after recovery (worst server and"
                + " seed) | bound s |\n|---|---:|---:|---:|---:|\n");
        for (Report.Row r : rows) {
            Row row = new Row(r.policy(), r.timelines());
            double[] shares = faultShares(row, faults);
            Recovery rec = recovery(row, faults);
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %s | %d |%n", r.policy(),
                    shares[0], shares[1],
                    rec.worst() == Integer.MAX_VALUE ? "never" : String.valueOf(rec.worst()),
                    rec.worstBound()));
        }
        return b.append('\n').toString();
    }

    /** The goals of the multi-fault scenarios, as {@link Goals} writes the others'. */
    static void check(Map<String, Map<String, Report.Row>> byScenario, StringBuilder out) {
        for (Map.Entry<String, Map<Integer, Fault>> e : FAULTS.entrySet()) {
            Map<String, Report.Row> rows = byScenario.get(e.getKey());
            if (rows == null) {
                continue;
            }
            Map<Integer, Fault> faults = e.getValue();
            StringBuilder late = new StringBuilder();
            StringBuilder heavy = new StringBuilder();
            StringBuilder errors = new StringBuilder();
            for (Report.Row r : rows.values()) {
                if (r.policy().equals(Policy.ORACLE.name())) {
                    continue;
                }
                Row row = new Row(r.policy(), r.timelines());
                Recovery rec = recovery(row, faults);
                if (!rec.met()) {
                    late.append(' ').append(r.policy());
                }
                boolean loadAware = r.policy().equals("leastRequest")
                        || r.policy().equals("peakEwma");
                double[] shares = faultShares(row, faults);
                if (loadAware && shares[0] >= shares[1]) {
                    heavy.append(' ').append(r.policy());
                }
                errors.append(String.format(Locale.ROOT, " %s %.3f%%", r.policy(),
                        100 * r.errorRate()));
            }
            out.append(String.format(Locale.ROOT,
                    "- %s: errors%s; failing servers get less than a good one under every"
                            + " load-aware strategy: %s; every recovered server back to half its"
                            + " fair share within the bound: %s%n",
                    e.getKey(), errors,
                    heavy.length() == 0 ? "met" : "NOT met by" + heavy,
                    late.length() == 0 ? "met" : "NOT met by" + late));
        }
    }
}
