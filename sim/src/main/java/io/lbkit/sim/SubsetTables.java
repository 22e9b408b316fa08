package io.lbkit.sim;

import io.lbkit.Endpoint;
import io.lbkit.sim.SubsetFleet.Mode;
import io.lbkit.sim.SubsetFleet.Spread;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The connection and churn tables of subsetting: connections per server for each mode and
 * subset size, the clients whose subset changes during a rolling deploy and when clients restart,
 * and the Google SRE book's random-subsetting example. Deterministic for a seed. Not thread-safe.
 */
final class SubsetTables {

    static final int BASE_PORT = 20_000;

    private SubsetTables() {}

    /** The figures of one mode and size. */
    record Row(Mode mode, int size, Spread connections, double deployChanged,
            double deployChangedPerStep, double deployMovedPerK, double restartChanged,
            Spread connectionsAfterRestart) {}

    /**
     * Connections and churn at {@code clients} × {@code servers}: a rolling deploy replaces
     * {@code deployFraction} of the servers one at a time (each replaced by a new address), then
     * {@code restartFraction} of the clients restart.
     */
    static Row row(Mode mode, int clients, int servers, int size, double deployFraction,
            double restartFraction, long seed) {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5EB5E7L);
        SubsetFleet fleet = new SubsetFleet(mode, clients, size, seed);
        List<Endpoint> pool = new ArrayList<>(SubsetFleet.pool(servers, BASE_PORT));
        int[][] start = fleet.subsets(pool, BASE_PORT);
        Spread connections = Spread.of(SubsetFleet.connections(start, servers), null);

        int replaced = (int) Math.round(deployFraction * servers);
        int[] victims = SubsetFleet.pick(servers, replaced, random);
        int nextId = servers;
        boolean[] everChanged = new boolean[clients];
        long changedSteps = 0;
        long moved = 0;
        int[][] before = start;
        for (int v : victims) {
            pool.removeIf(e -> e.port() == BASE_PORT + v);
            pool.add(SubsetFleet.endpoint(nextId++, BASE_PORT));
            int[][] after = fleet.subsets(pool, BASE_PORT);
            for (int c = 0; c < clients; c++) {
                if (!java.util.Arrays.equals(before[c], after[c])) {
                    everChanged[c] = true;
                    changedSteps++;
                }
            }
            moved += SubsetFleet.moved(before, after);
            before = after;
        }
        int ever = 0;
        for (boolean b : everChanged) {
            ever += b ? 1 : 0;
        }
        double k = (double) clients * Math.min(size, servers) / servers;
        fleet.restart(restartFraction);
        int[][] restarted = fleet.subsets(pool, BASE_PORT);
        boolean[] live = new boolean[nextId];
        for (Endpoint e : pool) {
            live[e.port() - BASE_PORT] = true;
        }
        Spread afterRestart = Spread.of(SubsetFleet.connections(restarted, nextId), live);
        return new Row(mode, size, connections, (double) ever / clients,
                replaced == 0 ? 0 : (double) changedSteps / replaced / clients,
                replaced == 0 ? 0 : moved / (double) replaced / k,
                (double) SubsetFleet.changed(before, restarted) / clients, afterRestart);
    }

    static String table(List<Row> rows, int clients, int servers, double deployFraction,
            double restartFraction) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "### %,d clients x %,d servers%n%n", clients, servers));
        b.append("| mode | size | connections per server min / mean / max | max/mean | min/mean"
                + " | clients changed, rolling deploy of " + pct(deployFraction) + " servers"
                + " | per replaced server | connections moved per replaced server (x k)"
                + " | clients changed, " + pct(restartFraction) + " of clients restart"
                + " | max/mean after the restart |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT,
                    "| %s | %s | %s | %s | %s | %s | %s | %.3f |%n", r.mode().label,
                    r.mode() == Mode.NONE ? "all" : Integer.toString(r.size()),
                    r.connections().format(), pct(r.deployChanged()),
                    pct(r.deployChangedPerStep()),
                    r.mode() == Mode.NONE ? "0" : String.format(Locale.ROOT, "%.1f",
                            r.deployMovedPerK()),
                    pct(r.restartChanged()),
                    r.connectionsAfterRestart().max() / r.connectionsAfterRestart().mean()));
        }
        return b.toString();
    }

    /**
     * The SRE book's example: 300 clients, 300 backends, subsets of 30 % (90); the book reports
     * the least-loaded backend at 63 % of the average and the most-loaded at 121 % for random
     * subsetting.
     */
    static String sreBook(int seeds, long seed) {
        StringBuilder b = new StringBuilder();
        b.append("### The SRE book's example: 300 clients x 300 backends, subsets of 90 (30 %)\n\n");
        b.append("| mode | min/mean (mean over seeds, range) | max/mean (mean over seeds, range)"
                + " | book |\n|---|---:|---:|---|\n");
        for (Mode mode : new Mode[] {Mode.RANDOM, Mode.DETERMINISTIC}) {
            double minSum = 0;
            double maxSum = 0;
            double minLo = Double.MAX_VALUE;
            double minHi = 0;
            double maxLo = Double.MAX_VALUE;
            double maxHi = 0;
            int runs = mode == Mode.DETERMINISTIC ? 1 : seeds;
            for (int k = 0; k < runs; k++) {
                SubsetFleet fleet = new SubsetFleet(mode, 300, 90, seed + k);
                Spread s = Spread.of(SubsetFleet.connections(
                        fleet.subsets(SubsetFleet.pool(300, BASE_PORT), BASE_PORT), 300), null);
                double lo = s.min() / s.mean();
                double hi = s.max() / s.mean();
                minSum += lo;
                maxSum += hi;
                minLo = Math.min(minLo, lo);
                minHi = Math.max(minHi, lo);
                maxLo = Math.min(maxLo, hi);
                maxHi = Math.max(maxHi, hi);
            }
            b.append(String.format(Locale.ROOT, "| %s | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) | %s |%n",
                    mode.label + (runs > 1 ? ", " + runs + " seeds" : ""), minSum / runs, minLo,
                    minHi, maxSum / runs, maxLo, maxHi,
                    mode == Mode.RANDOM ? "63 % / 121 % (one run)" : "every backend equal"));
        }
        return b.toString();
    }

    static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * fraction);
    }
}
