package io.lbkit.proxybench;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.cli.CommandLine;
import io.lbkit.cli.LbkitLog;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.proxybench.Options.Case;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Level;

/**
 * The proxy benchmark's entry point: lbkit's {@link BalancedHttpClient} against HAProxy and a
 * direct {@link HttpClient}, on loopback. Run {@code java -jar lb-proxy-bench.jar --help}.
 */
public final class ProxyBench {

    private static final PrintStream OUT = System.out;

    /** The logical service name the lbkit cases address: {@code http://backends/}. */
    static final String SERVICE = "backends";

    /** 1 s: un-measured traffic before each measured period, to open the case's connections. */
    static final Duration REOPEN = Duration.ofSeconds(1);

    private ProxyBench() {}

    /**
     * Runs the benchmark; {@code --help} lists the options.
     *
     * @param args the command line
     * @throws Exception if a backend or HAProxy cannot be started
     */
    public static void main(String[] args) throws Exception {
        Options o = CommandLine.parseOrExit("lb-proxy-bench", "try --help", Options::parse, args);
        if (o.help()) {
            OUT.print(Options.HELP);
            return;
        }
        // lbkit's health events would interleave with the table; none are expected here.
        LbkitLog.only(Level.SEVERE);

        Optional<Path> haproxy = Haproxy.find();
        List<Case> cases = new ArrayList<>(o.cases());
        if (cases.contains(Case.HAPROXY) && haproxy.isEmpty()) {
            OUT.println("haproxy not found on PATH or in /usr/sbin: skipping the 'haproxy' case.");
            OUT.println("Install it (Debian/Ubuntu: apt-get update && apt-get install -y haproxy) "
                    + "and run again to measure it.");
            OUT.println();
            cases.remove(Case.HAPROXY);
        }
        OUT.printf(Locale.ROOT, "lb-proxy-bench: %d backends on 127.0.0.1, %d virtual users "
                        + "(closed loop); per case %d s warm-up, then 1 s + %d s measured, %d-byte responses%n",
                o.backends(), o.concurrency(), o.warmup().toSeconds(), o.duration().toSeconds(),
                o.bodyBytes());
        OUT.printf(Locale.ROOT, "machine: %d CPUs, Java %s (%s)%s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                haproxy.map(p -> ", " + haproxyVersion(p)).orElse(""));
        OUT.println();

        List<Backend> backends = startBackends(o.backends(), o.concurrency(), o.bodyBytes());
        List<Row> rows = new ArrayList<>();
        try {
            // Pass 1, discarded: every client's code path gets hot before anything is measured,
            // so the case that happens to run first is not measured on a colder JIT.
            OUT.printf(Locale.ROOT, "warming up every case for %d s ...", o.warmup().toSeconds());
            OUT.flush();
            if (!o.warmup().isZero()) {
                for (Case c : cases) {
                    runCase(c, backends, o.concurrency(), Duration.ZERO, o.warmup(),
                            haproxy.orElse(null));
                    OUT.print(" " + c.id);
                    OUT.flush();
                }
            }
            OUT.println();
            // Pass 2: each case gets a fresh client, 1 s (REOPEN) of un-measured traffic to open its
            // connections, then the measured period.
            for (Case c : cases) {
                OUT.printf(Locale.ROOT, "running %-12s ...", c.id);
                OUT.flush();
                Row row = runCase(c, backends, o.concurrency(), REOPEN, o.duration(),
                        haproxy.orElse(null));
                OUT.printf(Locale.ROOT, " %,.0f req/s%n", row.result.throughput());
                rows.add(row);
            }
        } finally {
            for (Backend b : backends) {
                b.close();
            }
        }
        OUT.println();
        printTable(rows, backends);
    }

    /** Starts {@code n} backends, each with {@code threads} handler threads. */
    static List<Backend> startBackends(int n, int threads, int bodyBytes) throws IOException {
        List<Backend> backends = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                backends.add(new Backend("b" + (i + 1), threads, bodyBytes));
            }
        } catch (IOException | RuntimeException e) {
            for (Backend b : backends) {
                b.close();
            }
            throw e;
        }
        return backends;
    }

    /**
     * One case's results and how many responses each backend served during it (warm-up
     * included).
     */
    static final class Row {
        final Case c;
        final ClosedLoop.Result result;
        final long[] served;

        Row(Case c, ClosedLoop.Result result, long[] served) {
            this.c = c;
            this.result = result;
            this.served = served;
        }

        long servedTotal() {
            long sum = 0;
            for (long s : served) {
                sum += s;
            }
            return sum;
        }
    }

    /**
     * Runs one case against {@code backends}, each with a new {@link HttpClient} (HTTP/1.1, so
     * no case pays for an h2c upgrade attempt).
     *
     * @param haproxy the HAProxy executable; needed only for {@link Case#HAPROXY}
     */
    static Row runCase(Case c, List<Backend> backends, int concurrency, Duration warmup,
            Duration duration, Path haproxy) throws IOException, InterruptedException {
        long[] before = served(backends);
        HttpClient plain = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        ClosedLoop.Result result;
        switch (c) {
            case LBKIT_RR:
            case LBKIT_LR: {
                List<Endpoint> endpoints = new ArrayList<>();
                for (Backend b : backends) {
                    endpoints.add(Endpoint.of("127.0.0.1", b.port()));
                }
                Strategy strategy = c == Case.LBKIT_RR
                        ? Strategy.roundRobin() : Strategy.leastRequest();
                try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                        .strategy(strategy)
                        .build()) {
                    BalancedHttpClient http = BalancedHttpClient.newBuilder(plain)
                            .service(SERVICE, lb)
                            .build();
                    result = ClosedLoop.run(c.id, http, URI.create("http://" + SERVICE + "/"),
                            concurrency, warmup, duration);
                }
                break;
            }
            case HAPROXY: {
                if (haproxy == null) {
                    throw new IllegalArgumentException("haproxy: executable not given");
                }
                List<Integer> ports = new ArrayList<>();
                for (Backend b : backends) {
                    ports.add(b.port());
                }
                try (Haproxy h = Haproxy.start(haproxy, ports, 4 * concurrency + 64)) {
                    result = ClosedLoop.run(c.id, plain,
                            URI.create("http://127.0.0.1:" + h.port() + "/"), concurrency, warmup,
                            duration);
                }
                break;
            }
            case DIRECT:
            case DIRECT_ASYNC:
                result = ClosedLoop.run(c.id, plain,
                        URI.create("http://127.0.0.1:" + backends.get(0).port() + "/"),
                        concurrency, warmup, duration, c == Case.DIRECT_ASYNC);
                break;
            default:
                throw new AssertionError(c);
        }
        long[] after = served(backends);
        for (int i = 0; i < after.length; i++) {
            after[i] -= before[i];
        }
        return new Row(c, result, after);
    }

    private static long[] served(List<Backend> backends) {
        long[] served = new long[backends.size()];
        for (int i = 0; i < served.length; i++) {
            served[i] = backends.get(i).served();
        }
        return served;
    }

    private static String haproxyVersion(Path haproxy) {
        try {
            Process p = new ProcessBuilder(haproxy.toString(), "-v").redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            String first = out.lines().findFirst().orElse("haproxy");
            int cut = first.indexOf(" - ");
            return cut > 0 ? first.substring(0, cut) : first;
        } catch (IOException e) {
            return "haproxy (version unknown)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "haproxy (version unknown)";
        }
    }

    private static void printTable(List<Row> rows, List<Backend> backends) {
        StringBuilder h = new StringBuilder(String.format(Locale.ROOT,
                "| %-12s | %-42s | %9s | %7s | %7s | %6s |", "case", "client", "req/s", "p50 ms",
                "p99 ms", "errors"));
        StringBuilder rule = new StringBuilder("|--------------|--------------------------------------------"
                + "|----------:|--------:|--------:|-------:|");
        for (Backend b : backends) {
            h.append(String.format(Locale.ROOT, " %5s |", b.name()));
            rule.append("------:|");
        }
        OUT.println(h);
        OUT.println(rule);
        for (Row r : rows) {
            ClosedLoop.Result x = r.result;
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "| %-12s | %-42s | %,9.0f | %7.3f | %7.3f | %6d |", r.c.id, r.c.description,
                    x.throughput(), x.p50Nanos() / 1e6, x.p99Nanos() / 1e6, x.errors()));
            long total = r.servedTotal();
            for (long s : r.served) {
                sb.append(String.format(Locale.ROOT, " %4.0f%% |",
                        total == 0 ? 0.0 : 100.0 * s / total));
            }
            OUT.println(sb);
        }
        OUT.println();
        OUT.println("req/s: successful calls started in the measured period / its length; p50/p99:"
                + " their latency, send to last body byte; backend columns: share of responses.");
        for (Row r : rows) {
            if (!r.result.firstError().isEmpty()) {
                OUT.println(r.c.id + ": first error: " + r.result.firstError());
            }
        }
        Row direct = find(rows, Case.DIRECT);
        Row proxy = find(rows, Case.HAPROXY);
        for (Row r : rows) {
            if (r.c != Case.LBKIT_RR && r.c != Case.LBKIT_LR) {
                continue;
            }
            StringBuilder sb = new StringBuilder(r.c.id + ":");
            if (proxy != null) {
                sb.append(String.format(Locale.ROOT,
                        " %.2fx HAProxy's throughput, p99 %.2fx HAProxy's;",
                        ratio(r.result.throughput(), proxy.result.throughput()),
                        ratio(r.result.p99Nanos(), proxy.result.p99Nanos())));
            }
            if (direct != null) {
                sb.append(String.format(Locale.ROOT,
                        " %.2fx direct's throughput, p99 %.2fx direct's",
                        ratio(r.result.throughput(), direct.result.throughput()),
                        ratio(r.result.p99Nanos(), direct.result.p99Nanos())));
            }
            if (proxy != null || direct != null) {
                OUT.println(sb);
            }
        }
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    private static Row find(List<Row> rows, Case c) {
        for (Row r : rows) {
            if (r.c == c) {
                return r;
            }
        }
        return null;
    }
}
