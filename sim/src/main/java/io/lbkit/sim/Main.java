package io.lbkit.sim;

import io.lbkit.cli.CommandLine;
import io.lbkit.cli.LbkitLog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;

/**
 * Runs the balancing-quality simulator and prints Markdown tables to standard output (progress
 * goes to standard error).
 *
 * <pre>
 * java -jar sim/target/lb-sim.jar                       # every scenario, then balls into bins
 * java -jar sim/target/lb-sim.jar --scenario slow-server,fail-fast --seeds 5
 * java -jar sim/target/lb-sim.jar --list
 * java -jar sim/target/lb-sim.jar --subsetting              # see SubsettingMain
 * </pre>
 */
public final class Main {

    private Main() {}

    /**
     * The entry point.
     *
     * @param args options; {@code --help} lists them
     * @throws Exception if a run fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--tail")) {
            TailMain.main(java.util.Arrays.copyOfRange(args, 1, args.length)); // see TailMain
            return;
        }
        if (args.length > 0 && args[0].equals("--subsetting")) {
            SubsettingMain.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Options o = CommandLine.parseOrExit("lb-sim", Options.USAGE, Options::parse, args);
        if (o.help) {
            System.out.println(Options.USAGE);
            return;
        }
        if (o.list) {
            for (Scenario s : Scenario.all()) {
                System.out.println(s.name() + ": " + s.title());
            }
            return;
        }
        // lbkit logs every ejection at WARNING; the tables count them instead.
        LbkitLog.only(Level.OFF);
        long start = System.nanoTime();
        StringBuilder summary = new StringBuilder();
        if (!o.ballsOnly) {
            runScenarios(o, summary);
        }
        if (o.balls) {
            System.out.println("## Balls into bins");
            System.out.println();
            List<BallsIntoBins.Outcome> outcomes = new ArrayList<>();
            for (int n : o.ballSizes) {
                long t0 = System.nanoTime();
                outcomes.addAll(BallsIntoBins.run(n, o.ballRuns));
                System.err.printf(Locale.ROOT, "balls into bins n=%d: %.1f s%n", n,
                        (System.nanoTime() - t0) / 1e9);
            }
            System.out.print(BallsIntoBins.table(outcomes));
            System.out.println();
        }
        if (summary.length() > 0) {
            System.out.println("## Goals");
            System.out.println();
            System.out.print(summary);
            System.out.println();
        }
        System.err.printf(Locale.ROOT, "total: %.1f s%n", (System.nanoTime() - start) / 1e9);
    }

    private static void runScenarios(Options o, StringBuilder summary) throws Exception {
        List<Scenario> scenarios = new ArrayList<>();
        for (Scenario s : Scenario.all()) {
            if (o.scenarios.isEmpty() || o.scenarios.contains(s.name())) {
                scenarios.add(o.scale == 1 ? s : s.scaled(o.scale));
            }
        }
        List<Policy> policies = Policy.all();
        ExecutorService pool = Executors.newFixedThreadPool(o.threads);
        try {
            Map<String, Map<String, Report.Row>> byScenario = new LinkedHashMap<>();
            for (Scenario s : scenarios) {
                long t0 = System.nanoTime();
                List<List<Future<Result>>> futures = new ArrayList<>();
                for (Policy p : policies) {
                    List<Future<Result>> seeds = new ArrayList<>();
                    for (int k = 0; k < o.seeds; k++) {
                        long seed = o.seed + k;
                        seeds.add(pool.submit(() -> new Simulation(s, p, seed).run()));
                    }
                    futures.add(seeds);
                }
                List<Report.Row> rows = new ArrayList<>();
                Map<String, Report.Row> named = new LinkedHashMap<>();
                long calls = 0;
                for (int i = 0; i < policies.size(); i++) {
                    List<Result> results = new ArrayList<>();
                    for (Future<Result> f : futures.get(i)) {
                        Result r = f.get();
                        calls += r.calls();
                        results.add(r);
                    }
                    Report.Row row = Report.pool(policies.get(i).name(), results);
                    rows.add(row);
                    named.put(row.policy(), row);
                }
                byScenario.put(s.name(), named);
                System.out.println(Report.table(s, rows) + MultiFault.table(s, rows));
                System.out.flush();
                System.err.printf(Locale.ROOT, "%s: %d runs, %d measured calls, %.1f s%n",
                        s.name(), policies.size() * o.seeds, calls,
                        (System.nanoTime() - t0) / 1e9);
            }
            Goals.check(byScenario, summary);
            MultiFault.check(byScenario, summary);
        } finally {
            pool.shutdown();
        }
    }

    /** The command line. */
    static final class Options {
        static final String USAGE = String.join("\n",
                "usage: java -jar lb-sim.jar [options]",
                "  --scenario a,b     only these scenarios (see --list); default all",
                "  --seeds N          seeds per scenario and policy; default 3",
                "  --seed S           the first seed; default 1",
                "  --scale X          multiply each run's duration and warm-up by X; default 1",
                "  --threads N        runs in parallel; default 1",
                "  --no-balls         skip balls into bins",
                "  --balls-only       only balls into bins",
                "  --balls-n a,b      bin counts; default 10000,100000,1000000",
                "  --balls-runs N     runs per bin count and strategy; default 5",
                "  --list             list the scenarios",
                "  --subsetting ...   the subsetting simulation instead (--subsetting --help)",
                "  --help             this text");

        final List<String> scenarios = new ArrayList<>();
        int seeds = 3;
        long seed = 1;
        double scale = 1;
        int threads = 1;
        boolean balls = true;
        boolean ballsOnly;
        List<Integer> ballSizes = List.of(10_000, 100_000, 1_000_000);
        int ballRuns = 5;
        boolean list;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            CommandLine cl = new CommandLine(args);
            while (cl.hasNext()) {
                switch (cl.next()) {
                    case "--scenario" -> {
                        for (String name : cl.value().split(",")) {
                            if (Scenario.all().stream().noneMatch(s -> s.name().equals(name))) {
                                throw new IllegalArgumentException("unknown scenario "
                                        + CommandLine.quote(name) + "; --list shows them");
                            }
                            o.scenarios.add(name);
                        }
                        o.balls = false;
                    }
                    case "--seeds" -> o.seeds = cl.positive();
                    case "--seed" -> o.seed = cl.longValue();
                    case "--scale" -> o.scale = cl.doubleIn(0, 100);
                    case "--threads" -> o.threads = cl.positive();
                    case "--no-balls" -> o.balls = false;
                    case "--balls-only" -> {
                        o.ballsOnly = true;
                        o.balls = true;
                    }
                    case "--balls-n" -> o.ballSizes = cl.positives();
                    case "--balls-runs" -> o.ballRuns = cl.positive();
                    case "--list" -> o.list = true;
                    case "--help", "-h" -> o.help = true;
                    default -> throw cl.unknown();
                }
            }
            return o;
        }
    }
}
