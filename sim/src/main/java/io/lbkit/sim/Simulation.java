package io.lbkit.sim;

import io.lbkit.Endpoint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One run of one scenario with one policy and one seed: an open-loop Poisson stream of calls,
 * each routed at arrival and reported at completion (or at the client's timeout), against
 * simulated servers, all on simulated time. Not thread-safe; a run is confined to one thread.
 *
 * <p>Determinism: arrival times and each call's work are drawn from one stream seeded by the
 * seed, so every policy of a scenario sees exactly the same calls (common random numbers). The
 * oracle's runs are exactly reproducible. lbkit's random strategies draw from
 * {@code ThreadLocalRandom}, which the public API does not let a caller seed, so their picks
 * (and so their figures) vary slightly from run to run; the tables pool several seeds and
 * enough calls that the variation stays small, and show the spread of p99 across seeds.
 */
final class Simulation {

    /** Endpoint ports are this plus the server id. */
    static final int BASE_PORT = 10_000;
    /** 1 ms: how long a fail-fast server takes to answer with an error. */
    static final long FAIL_FAST_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    final SimClock clock = new SimClock();
    /** Per-second calls per server (ids below 16), and ejections where a script samples them. */
    final Timeline timeline = new Timeline();
    private final Scenario scenario;
    private final Policy policy;
    private final long seed;
    private final List<Server> servers = new ArrayList<>();
    private final Router router;
    private final SplittableRandom random;
    private final double meanGapNanos;

    private final Serving serving;
    private long[] perServer = new long[16];

    Simulation(Scenario scenario, Policy policy, long seed) {
        this.scenario = scenario;
        this.policy = policy;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.meanGapNanos = 1e9 / scenario.callsPerSecond();
        for (ServerSpec spec : scenario.servers()) {
            newServer(spec);
        }
        List<Server> initial = List.copyOf(servers);
        this.router = policy.isOracle() ? new OracleRouter(clock, initial)
                : new LbkitRouter(policy.name(), policy.strategy(), scenario.options(), clock,
                        initial, port -> servers.get(port - BASE_PORT));
        this.serving = new Serving(clock, scenario.timeoutNanos(), router::report);
    }

    /** Runs the scenario to its end, lets calls in flight finish, and returns the figures. */
    Result run() {
        scenario.script().install(this);
        clock.after(gap(), this::arrive);
        clock.runUntil(scenario.durationNanos() + 2 * scenario.timeoutNanos());
        router.close();
        return new Result(scenario.name(), policy.name(), seed, serving.sortedLatencies(),
                serving.errors(),
                Arrays.copyOf(perServer, servers.size()), router.ejections(), clock.executed(),
                timeline);
    }

    // ---- what scripts may do --------------------------------------------------------------------

    /** Who routes the calls of this run. */
    Router router() {
        return router;
    }

    /** The server with this id. */
    Server server(int id) {
        return servers.get(id);
    }

    /** A new server, not yet in the pool; {@link #join} adds it. */
    Server newServer(ServerSpec spec) {
        int id = servers.size();
        int weight = scenario.weightsKnown() ? spec.weight() : 1;
        Endpoint endpoint = Endpoint.of("10.0." + (id / 250) + "." + (id % 250 + 1),
                BASE_PORT + id, weight);
        Server s = new Server(id, endpoint, spec);
        servers.add(s);
        return s;
    }

    void join(Server s) {
        router.join(s);
    }

    /** Takes the server out of the pool; calls sent to it before still complete. */
    void leave(Server s) {
        router.leave(s);
    }

    /** Makes the server answer every call with an error after {@link #FAIL_FAST_NANOS}. */
    void failFast(Server s) {
        s.mode = Server.Mode.FAIL_FAST;
    }

    /**
     * Crashes the server: it stops answering, so calls in service, queued, or sent to it later
     * fail at the client's timeout.
     */
    void kill(Server s) {
        s.mode = Server.Mode.DEAD;
        s.epoch++;
        s.busy = 0;
        for (Call c : s.inService) {
            serving.scheduleTimeout(c);
        }
        s.inService.clear();
        for (Call c : s.queue) {
            c.queued = false; // its timeout is scheduled already
        }
        s.queue.clear();
        s.queuedLive = 0;
    }

    /**
     * Brings a dead server back, cold: its service time starts {@code coldFactor}× longer and
     * returns to normal linearly over {@code coldNanos}.
     */
    void revive(Server s, double coldFactor, long coldNanos) {
        s.mode = Server.Mode.UP;
        if (coldFactor > 1) {
            s.cold(clock.read(), coldFactor, coldNanos);
        }
    }

    // ---- the call path ------------------------------------------------------------------------

    private long gap() {
        return Call.gapNanos(random, meanGapNanos);
    }

    private void arrive() {
        long now = clock.read();
        if (now >= scenario.durationNanos()) {
            return;
        }
        Call c = Call.arriving(now, scenario.warmupNanos(), random);
        clock.after(gap(), this::arrive);
        Server s = router.route(c);
        if (s == null) {
            c.done = true;
            serving.record(c, false, 0);
            return;
        }
        c.server = s;
        timeline.picked(s.id, now);
        if (c.measured) {
            if (s.id >= perServer.length) {
                perServer = Arrays.copyOf(perServer, Math.max(s.id + 1, 2 * perServer.length));
            }
            perServer[s.id]++;
        }
        switch (s.mode) {
            case FAIL_FAST:
                clock.after(FAIL_FAST_NANOS, () -> serving.finish(c, false));
                break;
            case DEAD:
                serving.scheduleTimeout(c);
                break;
            default:
                serving.admit(s, c);
        }
    }
}
