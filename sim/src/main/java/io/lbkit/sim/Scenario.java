package io.lbkit.sim;

import io.lbkit.sim.LbkitRouter.BalancerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One situation to balance: the servers, the offered load, what happens during the run, and how
 * lbkit's balancer is configured beyond its strategy. Immutable.
 *
 * @param name the short name used on the command line
 * @param title one line saying what it tests
 * @param servers the servers in the pool when the run starts, ids 0..n-1
 * @param weightsKnown whether endpoints announce {@link ServerSpec#weight()} (else all weigh 1)
 * @param callsPerSecond the Poisson arrival rate
 * @param durationNanos arrivals stop here
 * @param warmupNanos calls arriving before this are not measured
 * @param timeoutNanos the client's timeout: a call without an answer by then fails
 * @param options lbkit's balancer options
 * @param script what happens during the run
 */
record Scenario(String name, String title, List<ServerSpec> servers, boolean weightsKnown,
        double callsPerSecond, long durationNanos, long warmupNanos, long timeoutNanos,
        BalancerOptions options, Script script) {

    /** Schedules a scenario's events on a run. */
    @FunctionalInterface
    interface Script {
        void install(Simulation sim);

        Script NONE = sim -> {};
    }

    // The common shape: 10 servers of 4 workers, 10 ms mean (exponential) service time, so 400
    // calls/s each; a 1 s client timeout; 100 s of arrivals of which the first 10 s are warm-up.
    static final int SERVERS = 10;
    static final int WORKERS = 4;
    static final long MEAN = ms(10);
    static final long TIMEOUT = ms(1000);
    static final long DURATION = s(100);
    static final long WARMUP = s(10);
    /** A server back from a crash, or new in a deploy, starts 5x slower (cold caches, JIT). */
    static final double COLD_FACTOR = 5;
    /** ... and is back to normal speed after 20 s. */
    static final long COLD_NANOS = s(20);
    /** The slow-start window of the "with slow start" variants: 30 s. */
    static final Duration SLOW_START = Duration.ofSeconds(30);

    Scenario {
        servers = List.copyOf(servers);
    }

    /** A copy whose duration and warm-up are scaled by {@code factor} (timeline events are not). */
    Scenario scaled(double factor) {
        return new Scenario(name, title, servers, weightsKnown, callsPerSecond,
                (long) (durationNanos * factor), (long) (warmupNanos * factor), timeoutNanos,
                options, script);
    }

    /** Every scenario, in report order. */
    static List<Scenario> all() {
        List<Scenario> all = new ArrayList<>();
        List<ServerSpec> ten = Collections.nCopies(SERVERS, new ServerSpec(WORKERS, MEAN, 1));
        double tenCapacity = SERVERS * ten.get(0).capacityPerSecond();
        BalancerOptions defaults = BalancerOptions.DEFAULTS;

        all.add(new Scenario("homogeneous-70", "10 equal servers at 70% utilisation", ten, true,
                0.70 * tenCapacity, DURATION, WARMUP, TIMEOUT, defaults, Script.NONE));
        all.add(new Scenario("homogeneous-95", "10 equal servers at 95% utilisation", ten, true,
                0.95 * tenCapacity, DURATION, WARMUP, TIMEOUT, defaults, Script.NONE));

        // Server 0 turns 10x slower at 20 s (so the reaction is measured, not hidden in the
        // warm-up); the load is 70% of the capacity that remains.
        List<ServerSpec> slow = new ArrayList<>(ten);
        slow.set(0, new ServerSpec(WORKERS, 10 * MEAN, 1));
        Script slowDown = sim -> sim.clock.at(s(20), () -> sim.server(0).slowdown = 10);
        all.add(new Scenario("slow-server",
                "server 0 turns 10x slower (100 ms mean) at 20 s; 70% of the capacity left", ten,
                true, 0.70 * capacity(slow), DURATION, WARMUP, TIMEOUT, defaults, slowDown));
        all.add(new Scenario("slow-server-no-od",
                "as slow-server, with outlier detection off (no ejection on timeouts)", ten,
                true, 0.70 * capacity(slow), DURATION, WARMUP, TIMEOUT,
                new BalancerOptions(false, null, false), slowDown));

        double nineCapacity = (SERVERS - 1) * ten.get(0).capacityPerSecond();
        Script failFast = sim -> sim.clock.at(s(20), () -> sim.failFast(sim.server(0)));
        all.add(new Scenario("fail-fast",
                "from 20 s, server 0 answers every call with an error in 1 ms; default outlier"
                        + " detection; 70% of the 9 good servers' capacity",
                ten, true, 0.70 * nineCapacity, DURATION, WARMUP, TIMEOUT, defaults, failFast));
        all.add(new Scenario("fail-fast-no-od",
                "as fail-fast, with outlier detection off: the least-loaded trap", ten, true,
                0.70 * nineCapacity, DURATION, WARMUP, TIMEOUT,
                new BalancerOptions(false, null, false), failFast));

        // 4 big servers (8 workers, weight 4) and 6 small ones (2 workers, weight 1).
        List<ServerSpec> mixed = new ArrayList<>();
        for (int i = 0; i < SERVERS; i++) {
            mixed.add(i < 4 ? new ServerSpec(8, MEAN, 4) : new ServerSpec(2, MEAN, 1));
        }
        all.add(new Scenario("capacity-known",
                "servers 0-3 have 4x the workers of servers 4-9 and announce weight 4; 75% load",
                mixed, true, 0.75 * capacity(mixed), DURATION, WARMUP, TIMEOUT, defaults,
                Script.NONE));
        all.add(new Scenario("capacity-unknown",
                "as capacity-known, but every endpoint announces weight 1", mixed, false,
                0.75 * capacity(mixed), DURATION, WARMUP, TIMEOUT, defaults, Script.NONE));

        // Server 0 crashes at 30 s (calls to it hang until the 1 s timeout) and comes back cold
        // at 60 s. Default outlier detection plus active checks (every 2 s, rise 2, fall 3).
        Script dieReturn = sim -> {
            Server s = sim.server(0);
            sim.clock.at(s(30), () -> sim.kill(s));
            sim.clock.at(s(60), () -> sim.revive(s, COLD_FACTOR, COLD_NANOS));
        };
        BalancerOptions checked = new BalancerOptions(true, null, true);
        all.add(new Scenario("die-return",
                "server 0 crashes at 30 s, returns cold (5x slower, fading over 20 s) at 60 s;"
                        + " outlier detection and active checks; 70% load",
                ten, true, 0.70 * tenCapacity, DURATION, WARMUP, TIMEOUT, checked, dieReturn));
        all.add(new Scenario("die-return-slow-start",
                "as die-return, with slow start over 30 s", ten, true, 0.70 * tenCapacity,
                DURATION, WARMUP, TIMEOUT, checked.withSlowStart(SLOW_START), dieReturn));

        // Rolling deploy: from 20 s, every 7 s a new (cold) server joins and an old one leaves.
        Script rolling = sim -> {
            for (int k = 0; k < SERVERS; k++) {
                int old = k;
                sim.clock.at(s(20) + k * s(7), () -> {
                    Server fresh = sim.newServer(new ServerSpec(WORKERS, MEAN, 1));
                    fresh.cold(sim.clock.read(), COLD_FACTOR, COLD_NANOS);
                    sim.join(fresh);
                    sim.leave(sim.server(old));
                });
            }
        };
        all.add(new Scenario("rolling-deploy",
                "from 20 s, every 7 s one server is replaced by a new, cold one; 70% load", ten,
                true, 0.70 * tenCapacity, DURATION, WARMUP, TIMEOUT, defaults, rolling));
        all.add(new Scenario("rolling-deploy-slow-start",
                "as rolling-deploy, with slow start over 30 s", ten, true, 0.70 * tenCapacity,
                DURATION, WARMUP, TIMEOUT, defaults.withSlowStart(SLOW_START), rolling));
        all.addAll(MultiFault.scenarios());
        return List.copyOf(all);
    }

    static double capacity(List<ServerSpec> specs) {
        double sum = 0;
        for (ServerSpec s : specs) {
            sum += s.capacityPerSecond();
        }
        return sum;
    }

    static long ms(long millis) {
        return millis * 1_000_000L;
    }

    static long s(long seconds) {
        return seconds * 1_000_000_000L;
    }
}
