package io.lbkit.jmh.grpc;

import io.lbkit.cli.CommandLine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link GrpcEndToEnd}'s command-line options, validated when parsed: a value out of range fails
 * naming the option and its range. Immutable; thread-safe.
 */
record Options(boolean help, int rounds, Duration phase, Duration warmup, int inFlight, int servers,
        List<Policy> policies) {

    static final String HELP = String.join("\n",
            "usage: java -cp jmh/target/benchmarks.jar io.lbkit.jmh.grpc.GrpcEndToEnd [options]",
            "",
            "Starts grpc-java Netty servers on 127.0.0.1 and keeps --in-flight unary calls",
            "outstanding on one channel per policy, the policies taking turns (A, B, C, ... then",
            "again, the first of each round rotating) so that all share the machine's drift:",
            "  grpc-rr       grpc's round_robin",
            "  grpc-pf       grpc's pick_first (every call to the first server)",
            "  lbkit-rr      the lbkit policy, strategy round_robin",
            "  lbkit-lr      the lbkit policy, strategy least_request",
            "  lbkit-ewma    the lbkit policy, strategy peak_ewma",
            "Prints calls/s (all rounds, and the slowest and fastest round) and p50/p99 latency.",
            "",
            "options:",
            "  --rounds N       measured rounds, 1-20 (default 4)",
            "  --seconds S      measured seconds per policy per round, 1-20 (default 3)",
            "  --warmup S       seconds per policy of a first, discarded round, 0-20 (default 2)",
            "  --in-flight N    calls outstanding per channel, 1-1024 (default 64)",
            "  --servers N      servers, 1-8 (default 3)",
            "  --policies LIST  comma-separated, from grpc-rr,grpc-pf,lbkit-rr,lbkit-lr,",
            "                   lbkit-ewma (default all, in that order)",
            "  --quick          a smoke run: 1 round of 1 s, 1 s warm-up (options after it win)",
            "  --help           this text",
            "",
            "The run takes about policies x (warmup + rounds x seconds) seconds: 70 s by default.",
            "");

    /** The policies, in their default order. */
    enum Policy {
        GRPC_RR("grpc-rr", "round_robin", null),
        GRPC_PF("grpc-pf", "pick_first", null),
        LBKIT_RR("lbkit-rr", "lbkit", "round_robin"),
        LBKIT_LR("lbkit-lr", "lbkit", "least_request"),
        LBKIT_EWMA("lbkit-ewma", "lbkit", "peak_ewma");

        final String id;
        /** The grpc load-balancing policy name. */
        final String grpcPolicy;
        /** The lbkit policy's {@code strategy} field, or null for a grpc policy. */
        final String lbkitStrategy;

        Policy(String id, String grpcPolicy, String lbkitStrategy) {
            this.id = id;
            this.grpcPolicy = grpcPolicy;
            this.lbkitStrategy = lbkitStrategy;
        }

        static Policy of(String id) {
            return CommandLine.oneOf("--policies", "policy", id, List.of(values()), p -> p.id);
        }
    }

    Options {
        policies = List.copyOf(policies);
    }

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException naming the option and its allowed range
     */
    static Options parse(String... args) {
        boolean help = false;
        int rounds = 4; // 4 turns each: drift shows as the spread between a policy's rounds
        int seconds = 3; // s: tens of thousands of calls per phase, enough for a p99
        int warmup = 2; // s per policy: C2 compiles the channel's call path
        int inFlight = 64;
        int servers = 3;
        List<Policy> policies = List.of(Policy.values());
        CommandLine cl = new CommandLine(args);
        while (cl.hasNext()) {
            switch (cl.next()) {
                case "--help", "-h" -> help = true;
                case "--quick" -> {
                    rounds = 1;
                    seconds = 1;
                    warmup = 1;
                }
                case "--rounds" -> rounds = cl.intIn(1, 20);
                case "--seconds" -> seconds = cl.intIn(1, 20);
                case "--warmup" -> warmup = cl.intIn(0, 20);
                case "--in-flight" -> inFlight = cl.intIn(1, 1024);
                case "--servers" -> servers = cl.intIn(1, 8);
                case "--policies" -> policies = policies(cl.value());
                default -> throw cl.unknown();
            }
        }
        return new Options(help, rounds, Duration.ofSeconds(seconds), Duration.ofSeconds(warmup),
                inFlight, servers, policies);
    }

    /** The order policies run in during {@code round} (0-based): rotated by one per round. */
    List<Policy> order(int round) {
        int n = policies.size();
        List<Policy> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            out.add(policies.get((round + k) % n));
        }
        return out;
    }

    private static List<Policy> policies(String list) {
        List<Policy> parsed = new ArrayList<>();
        for (String id : list.split(",", -1)) {
            Policy p = Policy.of(id.trim());
            if (parsed.contains(p)) {
                throw new IllegalArgumentException("--policies: '" + p.id + "' given twice");
            }
            parsed.add(p);
        }
        return parsed;
    }
}
