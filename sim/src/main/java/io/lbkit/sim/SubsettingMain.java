package io.lbkit.sim;

import io.lbkit.cli.CommandLine;
import io.lbkit.cli.LbkitLog;
import io.lbkit.sim.SubsetFleet.Mode;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;

/**
 * The subsetting simulation: connections, churn, request load and latency for a fleet of
 * clients over a large pool, with and without subsetting, as Markdown tables on standard output
 * (progress on standard error).
 *
 * <pre>
 * java -jar sim/target/lb-sim.jar --subsetting                 # 1,000 clients x 1,000 servers
 * java -jar sim/target/lb-sim.jar --subsetting --sizes 10,20 --clients 500 --threads 2
 * </pre>
 */
final class SubsettingMain {

    private SubsettingMain() {}

    static final String USAGE = String.join("\n",
            "usage: java -jar lb-sim.jar --subsetting [options]",
            "  --clients N        clients; default 1000",
            "  --servers N        servers; default 1000",
            "  --sizes a,b        subset sizes; default 10,20,50,100",
            "  --seed S           the seed; default 1",
            "  --duration-ms N    simulated time of each traffic run; default 1500 (500 warm-up)",
            "  --threads N        runs in parallel; default 2",
            "  --no-traffic       only the connection and churn tables",
            "  --help             this text");

    static void main(String[] args) throws Exception {
        Options o = CommandLine.parseOrExit("lb-sim --subsetting", USAGE, Options::parse, args);
        if (o.help) {
            System.out.println(USAGE);
            return;
        }
        LbkitLog.only(Level.OFF);
        long start = System.nanoTime();
        System.out.print(run(o));
        System.err.printf(Locale.ROOT, "subsetting: total %.1f s%n",
                (System.nanoTime() - start) / 1e9);
    }

    /** Every table, as Markdown. */
    static String run(Options o) throws Exception {
        StringBuilder out = new StringBuilder("## Subsetting\n\n");
        ExecutorService pool = Executors.newFixedThreadPool(o.threads);
        try {
            long t0 = System.nanoTime();
            List<Future<SubsetTables.Row>> rows = new ArrayList<>();
            for (Mode mode : Mode.values()) {
                for (int size : mode == Mode.NONE ? List.of(o.servers) : o.sizes) {
                    rows.add(pool.submit(() -> SubsetTables.row(mode, o.clients, o.servers, size,
                            0.01, 0.10, o.seed)));
                }
            }
            List<SubsetTables.Row> done = new ArrayList<>();
            for (Future<SubsetTables.Row> f : rows) {
                done.add(f.get());
            }
            out.append(SubsetTables.table(done, o.clients, o.servers, 0.01, 0.10)).append('\n');
            Future<String> sre = pool.submit(() -> SubsetTables.sreBook(20, o.seed));
            out.append(sre.get()).append('\n');
            System.err.printf(Locale.ROOT, "subsetting: connection and churn tables %.1f s%n",
                    (System.nanoTime() - t0) / 1e9);
            if (o.traffic) {
                out.append(traffic(o, pool));
            }
        } finally {
            pool.shutdown();
        }
        return out.toString();
    }

    private static String traffic(Options o, ExecutorService pool) throws Exception {
        long t0 = System.nanoTime();
        long duration = Scenario.ms(o.durationMs);
        long warmup = duration / 3;
        List<List<Future<SubsetSim.Outcome>>> futures = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        // Rendezvous with a stable key spreads connections as random does (the same hash), so
        // the traffic runs compare no subsetting, random and deterministic.
        for (Mode mode : List.of(Mode.NONE, Mode.RANDOM, Mode.DETERMINISTIC)) {
            for (int size : mode == Mode.NONE ? List.of(o.servers) : o.sizes) {
                List<Future<SubsetSim.Outcome>> runs = new ArrayList<>();
                for (int kind = 0; kind < 4; kind++) {
                    boolean rr = kind == 0 || kind == 3;
                    double slow = kind >= 2 ? 0.01 : 0;
                    SubsetSim.Config c = new SubsetSim.Config(mode, size, o.clients, o.servers,
                            slow, rr ? "roundRobin" : "leastRequest",
                            rr ? Strategy.roundRobin(o.seed) : Strategy.leastRequest(), 0.7, duration,
                            warmup, o.seed);
                    runs.add(pool.submit(() -> new SubsetSim(c).run()));
                }
                futures.add(runs);
                labels.add(mode.label + " | " + (mode == Mode.NONE ? "all" : size));
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "### Traffic: %,d clients x %,d servers, 70 %% load,"
                + " %d ms per run (first third warm-up)%n%n", o.clients, o.servers,
                o.durationMs));
        b.append("| mode | size | request load max/mean, round robin | max/mean, least request"
                + " | p99 homogeneous, least request | p99 with 1 % of servers 10x slower,"
                + " least request | same, round robin | errors (slow, least request) |\n");
        b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        long events = 0;
        double busy = 0;
        double cpu = 0;
        long calls = 0;
        for (int i = 0; i < futures.size(); i++) {
            List<SubsetSim.Outcome> r = new ArrayList<>();
            for (Future<SubsetSim.Outcome> f : futures.get(i)) {
                SubsetSim.Outcome x = f.get();
                r.add(x);
                events += x.events();
                busy += x.wallSeconds();
                cpu += x.cpuSeconds();
                calls += x.latencies().length;
            }
            b.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.1f ms | %.1f ms | %.1f ms"
                    + " | %s |%n", labels.get(i), r.get(0).maxOverMean(), r.get(1).maxOverMean(),
                    r.get(1).quantile(0.99) / 1e6, r.get(2).quantile(0.99) / 1e6,
                    r.get(3).quantile(0.99) / 1e6,
                    SubsetTables.pct((double) r.get(2).errors() / r.get(2).latencies().length)));
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        b.append(String.format(Locale.ROOT, "%nTraffic runs: %d, %,d measured calls, %,d events;"
                + " %.1f s wall on %d threads; per run thread %,.0f events per wall second and"
                + " %,.0f per CPU second (setup excluded).%n%n", futures.size() * 4, calls,
                events, wall, o.threads, events / busy, events / cpu));
        System.err.printf(Locale.ROOT, "subsetting: traffic %.1f s, %,.0f events/s wall, %,.0f"
                + " events/s CPU per thread%n", wall, events / busy, events / cpu);
        return b.toString();
    }

    /** The command line. */
    static final class Options {
        int clients = 1000;
        int servers = 1000;
        List<Integer> sizes = List.of(10, 20, 50, 100);
        long seed = 1;
        int durationMs = 1500;
        int threads = 2;
        boolean traffic = true;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            CommandLine cl = new CommandLine(args);
            while (cl.hasNext()) {
                switch (cl.next()) {
                    case "--clients" -> o.clients = cl.positive();
                    case "--servers" -> o.servers = cl.positive();
                    case "--sizes" -> o.sizes = cl.positives();
                    case "--seed" -> o.seed = cl.longValue();
                    case "--duration-ms" -> o.durationMs = cl.positive();
                    case "--threads" -> o.threads = cl.positive();
                    case "--no-traffic" -> o.traffic = false;
                    case "--help", "-h" -> o.help = true;
                    default -> throw cl.unknown();
                }
            }
            return o;
        }
    }
}
