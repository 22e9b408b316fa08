package io.lbkit.sim;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.sim.SubsetFleet.Mode;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One run of a fleet of clients, each with its own lbkit {@link LoadBalancer} over its subset
 * ({@link EndpointGroup#subset}) of one shared pool, against simulated servers on simulated
 * time: an open-loop Poisson stream of calls, each from a client drawn uniformly at random.
 * Not thread-safe; a run is confined to one thread.
 *
 * <p>Arrivals, the calling client and each call's work come from one stream seeded by the
 * seed, so every mode sees the same calls. Round robin's picks are then deterministic too
 * when its start offsets are seeded ({@code Strategy.roundRobin(seed)}, as SubsettingMain does);
 * least-request's two choices come from {@code ThreadLocalRandom} (see {@link Simulation}).
 */
final class SubsetSim {

    /** 4 workers, 10 ms mean service: 400 calls/s per server, as in the other scenarios. */
    static final ServerSpec SPEC = new ServerSpec(4, Scenario.ms(10), 1);
    /** A slow server is 10x slower, as in the slow-server scenario. */
    static final double SLOWDOWN = 10;
    static final long TIMEOUT = Scenario.ms(1000);

    /**
     * One run's settings.
     *
     * @param slowFraction the share of servers that are {@link #SLOWDOWN} times slower from the
     *     start (chosen at random, seeded)
     * @param load the offered load as a share of the pool's capacity (slow servers counted at
     *     their reduced capacity)
     */
    record Config(Mode mode, int size, int clients, int servers, double slowFraction,
            String strategyName, Strategy strategy, double load, long durationNanos,
            long warmupNanos, long seed) {}

    /**
     * What a run measured over the calls that arrived after the warm-up.
     *
     * @param perServer calls sent to each server
     * @param latencies sorted, nanoseconds
     * @param connections subset members per server at the start
     * @param wallSeconds the run's wall time (setup excluded)
     * @param cpuSeconds the run's CPU time on its thread (setup excluded)
     */
    record Outcome(Config config, long[] perServer, long[] latencies, long errors,
            int[] connections, long events, double wallSeconds, double cpuSeconds) {

        long quantile(double q) {
            return Result.quantile(latencies, q);
        }

        /** The busiest server's calls over the mean. */
        double maxOverMean() {
            long max = 0;
            long sum = 0;
            for (long n : perServer) {
                max = Math.max(max, n);
                sum += n;
            }
            return sum == 0 ? 0 : max * (double) perServer.length / sum;
        }
    }

    private final Config config;
    private final SimClock clock = new SimClock();
    private final SplittableRandom random;
    private final List<Server> servers = new ArrayList<>();
    private final LoadBalancer[] balancers;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final double meanGapNanos;
    private final long[] perServer;
    private final Serving serving;
    private final int[] connections;

    SubsetSim(Config config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.perServer = new long[config.servers()];
        List<Endpoint> pool = SubsetFleet.pool(config.servers(), Simulation.BASE_PORT);
        for (int id = 0; id < config.servers(); id++) {
            servers.add(new Server(id, pool.get(id), SPEC));
        }
        int slow = (int) Math.round(config.slowFraction() * config.servers());
        double capacity = 0;
        for (int id : SubsetFleet.pick(config.servers(), slow, new SplittableRandom(
                config.seed() ^ 0x510B5EEDL))) {
            servers.get(id).slowdown = SLOWDOWN;
        }
        for (Server s : servers) {
            capacity += SPEC.capacityPerSecond() / s.slowdown;
        }
        this.meanGapNanos = 1e9 / (config.load() * capacity);
        this.serving = new Serving(clock, TIMEOUT, (c, success, latency) -> {
            if (success) {
                c.pick.onSuccess(latency);
            } else {
                c.pick.onFailure(latency);
            }
        });
        DynamicEndpointGroup source = EndpointGroup.dynamic(pool.toArray(new Endpoint[0]));
        closeables.add(source);
        SubsetFleet fleet = new SubsetFleet(config.mode(), config.clients(), config.size(),
                config.seed());
        this.balancers = new LoadBalancer[config.clients()];
        this.connections = new int[config.servers()];
        for (int c = 0; c < config.clients(); c++) {
            EndpointGroup group = fleet.subsetting(c) == null ? source
                    : EndpointGroup.subset(source, fleet.subsetting(c));
            if (group != source) {
                closeables.add(group);
            }
            for (Endpoint e : group.endpoints()) {
                connections[e.port() - Simulation.BASE_PORT]++;
            }
            balancers[c] = LoadBalancer.builder(group).strategy(config.strategy())
                    .ticker(clock).scheduler(clock).build();
        }
    }

    Outcome run() {
        java.lang.management.ThreadMXBean mx =
                java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        clock.after(gap(), this::arrive);
        clock.runUntil(config.durationNanos() + 2 * TIMEOUT);
        for (LoadBalancer lb : balancers) {
            lb.close();
        }
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
        return new Outcome(config, perServer, serving.sortedLatencies(), serving.errors(),
                connections, clock.executed(), wall, cpu);
    }

    private long gap() {
        return Call.gapNanos(random, meanGapNanos);
    }

    private void arrive() {
        long now = clock.read();
        if (now >= config.durationNanos()) {
            return;
        }
        Call c = Call.arriving(now, config.warmupNanos(), random);
        LoadBalancer lb = balancers[random.nextInt(balancers.length)];
        clock.after(gap(), this::arrive);
        try {
            c.pick = lb.pick();
        } catch (NoEndpointAvailableException e) {
            c.done = true;
            serving.record(c, false, 0);
            return;
        }
        Server s = servers.get(c.pick.endpoint().port() - Simulation.BASE_PORT);
        c.server = s;
        if (c.measured) {
            perServer[s.id]++;
        }
        serving.admit(s, c);
    }
}
