package io.lbkit.proxybench;

import io.lbkit.cli.CommandLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The benchmark's command-line options, validated when parsed: a value out of range fails
 * naming the option and its range. Immutable; thread-safe.
 */
record Options(boolean help, Duration duration, Duration warmup, int concurrency, int backends,
        int bodyBytes, Set<Case> cases) {

    static final String HELP = String.join("\n",
            "usage: java -jar proxy-bench/target/lb-proxy-bench.jar [options]",
            "",
            "Starts JDK HttpServer backends on 127.0.0.1 and measures, one case after another,",
            "a closed loop of --concurrency virtual users (throughput, p50/p99 latency):",
            "  lbkit-rr  BalancedHttpClient -> backends, Strategy.roundRobin()",
            "  lbkit-lr  BalancedHttpClient -> backends, Strategy.leastRequest()",
            "  haproxy   HttpClient -> HAProxy (balance roundrobin, keep-alive) -> backends",
            "            (started and stopped by the benchmark; skipped if haproxy is missing:",
            "             apt-get install -y haproxy)",
            "  direct    HttpClient -> one backend",
            "  direct-async  as direct, but sendAsync(..).get() instead of send(..): the JDK",
            "            path BalancedHttpClient takes (it sends every attempt with sendAsync)",
            "",
            "options:",
            "  --duration S     measured seconds per case, 1-20 (default 10)",
            "  --warmup S       seconds per case of a first, discarded pass over all cases that",
            "                   warms the JIT up before anything is measured, 0-10 (default 5)",
            "  --concurrency N  virtual users (threads), 1-256 (default 32)",
            "  --backends N     backends, 1-8 (default 3)",
            "  --body-bytes N   response body size, 0-65536 (default 128)",
            "  --cases LIST     comma-separated, from lbkit-rr,lbkit-lr,haproxy,direct,direct-async\n"
            + "                   (default all)",
            "  --help           this text",
            "",
            "Each measured period is preceded by 1 s of un-measured traffic on a fresh client.",
            "The whole run takes about cases x (warmup + 1 + duration) seconds: 80 s by",
            "default, at most 155 s.",
            "");

    /** The cases, in the order they run. */
    enum Case {
        LBKIT_RR("lbkit-rr", "BalancedHttpClient, round robin"),
        LBKIT_LR("lbkit-lr", "BalancedHttpClient, least request"),
        HAPROXY("haproxy", "HttpClient via HAProxy roundrobin"),
        DIRECT("direct", "HttpClient, one backend"),
        DIRECT_ASYNC("direct-async", "HttpClient.sendAsync().get(), one backend");

        final String id;
        final String description;

        Case(String id, String description) {
            this.id = id;
            this.description = description;
        }

        static Case of(String id) {
            return CommandLine.oneOf("--cases", "case", id, List.of(values()), c -> c.id);
        }
    }

    Options {
        cases = Collections.unmodifiableSet(EnumSet.copyOf(cases)); // in run order
    }

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException naming the option and its allowed range
     */
    static Options parse(String... args) {
        boolean help = false;
        int duration = 10; // s: long enough for a stable p99 at thousands of calls per second
        int warmup = 5; // s: enough for C2 to compile the client's hot path
        int concurrency = 32;
        int backends = 3;
        int bodyBytes = 128; // a small JSON-sized answer
        Set<Case> cases = EnumSet.allOf(Case.class);
        CommandLine cl = new CommandLine(args);
        while (cl.hasNext()) {
            switch (cl.next()) {
                case "--help", "-h" -> help = true;
                case "--duration" -> duration = cl.intIn(1, 20);
                case "--warmup" -> warmup = cl.intIn(0, 10);
                case "--concurrency" -> concurrency = cl.intIn(1, 256);
                case "--backends" -> backends = cl.intIn(1, 8);
                case "--body-bytes" -> bodyBytes = cl.intIn(0, 65536);
                case "--cases" -> cases = cases(cl.value());
                default -> throw cl.unknown();
            }
        }
        return new Options(help, Duration.ofSeconds(duration), Duration.ofSeconds(warmup),
                concurrency, backends, bodyBytes, cases);
    }

    private static Set<Case> cases(String list) {
        List<Case> parsed = new ArrayList<>();
        for (String id : list.split(",")) {
            String t = id.trim().toLowerCase(Locale.ROOT);
            if (!t.isEmpty()) {
                parsed.add(Case.of(t));
            }
        }
        if (parsed.isEmpty()) {
            throw new IllegalArgumentException("--cases: must name at least one case");
        }
        return EnumSet.copyOf(parsed);
    }
}
