package io.lbkit.demo;

import com.sun.net.httpserver.HttpExchange;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.cli.CommandLine;
import io.lbkit.cli.LbkitLog;
import io.lbkit.cli.LoopbackServer;
import io.lbkit.health.OutlierDetection;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;

/**
 * The lbkit demo: starts four HTTP backends on 127.0.0.1 (two fast, one slow, one that fails for
 * a while and recovers), sends a bounded load through {@link BalancedHttpClient} once per
 * strategy, and prints what each strategy made of it. Stops by itself.
 */
/*
 * Why one file of about 400 lines: it is the runnable example a newcomer reads top to bottom: main,
 * the backends it starts, the load it sends and the table it prints, kept together so the whole
 * demo is one file to open. Nothing in it is library code.
 */
public final class Demo {

    private static final Map<String, Supplier<Strategy>> STRATEGIES = new LinkedHashMap<>();

    static {
        STRATEGIES.put("round_robin", Strategy::roundRobin);
        STRATEGIES.put("random", Strategy::random);
        STRATEGIES.put("least_request", Strategy::leastRequest);
        STRATEGIES.put("peak_ewma", Strategy::peakEwma);
        STRATEGIES.put("weighted_round_robin", Strategy::weightedRoundRobin);
        STRATEGIES.put("weighted_random", Strategy::weightedRandom);
    }

    private static final PrintStream OUT = System.out;

    private Demo() {}

    /** Runs the demo; {@code --help} lists the options. */
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--etcd")) {
            System.exit(EtcdDemo.run());
            return;
        }
        Options o = CommandLine.parseOrExit("lb-demo", "try --help", Options::parse, args);
        if (o.help) {
            OUT.print(Options.HELP);
            return;
        }
        if (!o.verbose) {
            // Health events (ejections) go to the log; the table counts them instead.
            LbkitLog.only(Level.SEVERE);
        }

        List<Backend> backends = List.of(
                new Backend("fast-1", 0),
                new Backend("fast-2", 0),
                new Backend("slow", o.slowMillis),
                new Backend("flaky", 0));
        Backend flaky = backends.get(3);
        OUT.printf("lbkit demo: %d backends on 127.0.0.1 (%s); %d requests per strategy at "
                        + "concurrency %d, at most %d s each%n",
                backends.size(), describe(backends), o.requests, o.concurrency, o.seconds);
        OUT.printf("'slow' answers after %d ms; 'flaky' fails with 503 from 20%% to 50%% of each "
                + "run, then recovers.%n%n", o.slowMillis);

        List<Row> rows = new ArrayList<>();
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            for (String name : o.strategies) {
                rows.add(run(name, STRATEGIES.get(name).get(), backends, flaky, plain, o));
            }
        } finally {
            for (Backend b : backends) {
                b.close();
            }
        }
        OUT.println();
        printTable(rows, backends);
    }

    private static String describe(List<Backend> backends) {
        StringBuilder sb = new StringBuilder();
        for (Backend b : backends) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(b.name).append(" :").append(b.port());
        }
        return sb.toString();
    }

    private static Row run(String name, Strategy strategy, List<Backend> backends, Backend flaky,
            HttpClient plain, Options o) throws Exception {
        List<Endpoint> endpoints = new ArrayList<>();
        for (Backend b : backends) {
            endpoints.add(Endpoint.of("127.0.0.1", b.port()));
        }
        Map<String, String> nameOf = new LinkedHashMap<>();
        for (Backend b : backends) {
            nameOf.put("127.0.0.1:" + b.port(), b.name);
        }
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                .strategy(strategy)
                .outlierDetection(OutlierDetection.builder()
                        .baseEjectionTime(Duration.ofSeconds(1))
                        .maxEjectionPercent(50)
                        .build())
                .build();
        BalancedHttpClient http = BalancedHttpClient.newBuilder(plain).service("demo", lb).build();

        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long[] latencies = new long[o.requests];
        Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
        int failFrom = o.requests / 5;
        int failTo = o.requests / 2;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.seconds);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://demo/work"))
                .timeout(Duration.ofSeconds(5)).build();

        ExecutorService pool = Executors.newFixedThreadPool(o.concurrency);
        for (int w = 0; w < o.concurrency; w++) {
            pool.execute(() -> {
                for (int i = next.getAndIncrement(); i < o.requests && System.nanoTime() < deadline;
                        i = next.getAndIncrement()) {
                    int progress = done.get();
                    flaky.failing = progress >= failFrom && progress < failTo;
                    long start = System.nanoTime();
                    try {
                        HttpResponse<String> r = http.send(request, BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                        served.computeIfAbsent(nameOf.getOrDefault(
                                r.uri().getHost() + ":" + r.uri().getPort(), "?"),
                                k -> new AtomicInteger()).incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        errors.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    latencies[i] = System.nanoTime() - start;
                    done.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        while (!pool.awaitTermination(250, TimeUnit.MILLISECONDS)) {
            progress(name, done.get(), o.requests, errors.get(), failedAttempts(lb));
        }
        flaky.failing = false;
        int n = done.get();
        progress(name, n, o.requests, errors.get(), failedAttempts(lb));
        OUT.println();

        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        Row row = new Row(name, n, errors.get(), retries(lb, n), percentile(sorted, 0.50),
                percentile(sorted, 0.99));
        for (Backend b : backends) {
            AtomicInteger c = served.get(b.name);
            row.share.put(b.name, n == 0 ? 0 : 100.0 * (c == null ? 0 : c.get()) / n);
        }
        for (EndpointStats s : lb.stats()) {
            row.ejections += s.ejections();
        }
        lb.close();
        return row;
    }

    private static long failedAttempts(LoadBalancer lb) {
        long failed = 0;
        for (EndpointStats s : lb.stats()) {
            failed += s.failures();
        }
        return failed;
    }

    /**
     * Attempts beyond the first, once no call is in flight: every attempt is reported to the
     * balancer exactly once.
     */
    private static long retries(LoadBalancer lb, int requests) {
        long attempts = 0;
        for (EndpointStats s : lb.stats()) {
            attempts += s.successes() + s.failures();
        }
        return Math.max(0, attempts - requests);
    }

    private static void progress(String name, int done, int total, int errors, long failed) {
        OUT.printf("\r%-22s %6d/%d requests, %d errors, %d failed attempts ", name, done, total,
                errors, failed);
        OUT.flush();
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    private static void printTable(List<Row> rows, List<Backend> backends) {
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-22s %8s %6s %7s %8s %8s",
                "strategy", "requests", "errors", "retries", "p50 ms", "p99 ms"));
        for (Backend b : backends) {
            h.append(String.format(Locale.ROOT, " %7s", b.name));
        }
        h.append(String.format(Locale.ROOT, " %9s", "ejections"));
        OUT.println(h);
        for (Row r : rows) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "%-22s %8d %6d %7d %8.2f %8.2f", r.strategy, r.requests, r.errors, r.retries,
                    r.p50, r.p99));
            for (Backend b : backends) {
                sb.append(String.format(Locale.ROOT, " %6.1f%%", r.share.get(b.name)));
            }
            sb.append(String.format(Locale.ROOT, " %9d", r.ejections));
            OUT.println(sb);
        }
        OUT.println();
        OUT.println("errors: calls that failed after retries; retries: extra attempts (on another "
                + "endpoint); shares: backend that served each call; ejections: outlier "
                + "detection ejections.");
    }

    /** One strategy's results. */
    private static final class Row {
        final String strategy;
        final int requests;
        final int errors;
        final long retries;
        final double p50;
        final double p99;
        final Map<String, Double> share = new LinkedHashMap<>();
        long ejections;

        Row(String strategy, int requests, int errors, long retries, double p50, double p99) {
            this.strategy = strategy;
            this.requests = requests;
            this.errors = errors;
            this.retries = retries;
            this.p50 = p50;
            this.p99 = p99;
        }
    }

    /** A JDK HttpServer on 127.0.0.1 answering with its name, optionally slowly or with 503. */
    private static final class Backend implements AutoCloseable {
        final String name;
        final long delayMillis;
        final LoopbackServer server;
        volatile boolean failing;
        final AtomicLong handled = new AtomicLong();

        Backend(String name, long delayMillis) throws IOException {
            this.name = name;
            this.delayMillis = delayMillis;
            // a thread per request in progress: a slow answer never delays another
            this.server = LoopbackServer.start("backend-" + name, 0, 128, this::handle);
        }

        int port() {
            return server.port();
        }

        private void handle(HttpExchange exchange) throws IOException {
            handled.incrementAndGet();
            if (delayMillis > 0) {
                try {
                    Thread.sleep(delayMillis); // simulated work
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            LoopbackServer.respond(exchange, failing ? 503 : 200,
                    name.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void close() {
            server.close();
        }
    }

    /** Command-line options. */
    private static final class Options {
        static final String HELP = String.join("\n",
                "usage: java -jar lb-demo/target/lb-demo.jar [options]",
                "",
                "Starts 4 HTTP backends on 127.0.0.1 (fast-1, fast-2, slow, flaky), sends",
                "a bounded load through BalancedHttpClient once per strategy and prints a table.",
                "",
                "  --strategies LIST   comma-separated, from: " + String.join(", ", STRATEGIES.keySet()),
                "                      (default: round_robin,least_request,peak_ewma)",
                "  --requests N        requests per strategy, 100..1000000 (default 4000)",
                "  --concurrency N     concurrent callers, 1..256 (default 16)",
                "  --duration S        at most S seconds per strategy, 1..600 (default 15)",
                "  --slow-ms N         the slow backend's delay, 0..10000 ms (default 20)",
                "  --verbose           also log health events (ejections, restorations)",
                "  --etcd              instead: the etcd demo (needs etcd installed): servers",
                "                      register in a real local etcd, join, drain, die; ~24 s",
                "  --help              this text",
                "");

        List<String> strategies = List.of("round_robin", "least_request", "peak_ewma");
        int requests = 4_000;
        int concurrency = 16;
        int seconds = 15;
        int slowMillis = 20;
        boolean help;
        boolean verbose;

        static Options parse(String[] args) {
            Options o = new Options();
            CommandLine cl = new CommandLine(args);
            while (cl.hasNext()) {
                switch (cl.next()) {
                    case "--help", "-h" -> o.help = true;
                    case "--verbose" -> o.verbose = true;
                    case "--strategies" -> o.strategies = strategies(cl.value());
                    case "--requests" -> o.requests = cl.intIn(100, 1_000_000);
                    case "--concurrency" -> o.concurrency = cl.intIn(1, 256);
                    case "--duration" -> o.seconds = cl.intIn(1, 600);
                    case "--slow-ms" -> o.slowMillis = cl.intIn(0, 10_000);
                    default -> throw cl.unknown();
                }
            }
            return o;
        }

        private static List<String> strategies(String value) {
            List<String> list = new ArrayList<>();
            for (String s : value.split(",")) {
                list.add(CommandLine.oneOf("--strategies", "strategy",
                        s.strip().toLowerCase(Locale.ROOT), List.copyOf(STRATEGIES.keySet()),
                        name -> name));
            }
            return List.copyOf(list);
        }
    }
}
