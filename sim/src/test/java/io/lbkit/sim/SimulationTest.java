package io.lbkit.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointStats;
import io.lbkit.health.HealthStatus;
import io.lbkit.sim.LbkitRouter.BalancerOptions;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulationTest {

    private static final long MEAN = Scenario.ms(10); // mu = 100 calls/s per worker

    /** One server with {@code workers} workers at {@code rho} utilisation, long enough to converge. */
    private static Scenario queue(int workers, double rho, long seconds) {
        return new Scenario("mmc", "M/M/c", List.of(new ServerSpec(workers, MEAN, 1)), true,
                rho * workers * 100, Scenario.s(seconds), Scenario.s(20), Scenario.s(600),
                BalancerOptions.DEFAULTS, Scenario.Script.NONE);
    }

    @Test
    void mm1_responseTime_matchesTheory() {
        // M/M/1, lambda = 70/s, mu = 100/s: T ~ Exp(mu - lambda), mean 33.3 ms, p99 153.5 ms.
        Result r = new Simulation(queue(1, 0.7, 3000), Policy.ORACLE, 42).run();
        double mean = 1e3 / 30;
        double p99 = 1e3 * Math.log(100) / 30;
        assertTrue(r.calls() > 200_000, "calls " + r.calls());
        assertEquals(0, r.errors());
        assertEquals(mean, r.mean() / 1e6, 0.05 * mean);
        assertEquals(p99, r.quantile(0.99) / 1e6, 0.08 * p99);
    }

    @Test
    void mm4_meanResponseTime_matchesErlangC() {
        int c = 4;
        double rho = 0.8;
        double a = c * rho; // offered load in Erlangs
        double sum = 0;
        double term = 1;
        for (int k = 0; k < c; k++) {
            sum += term;
            term *= a / (k + 1);
        }
        double top = term / (1 - rho); // a^c / c! / (1 - rho)
        double erlangC = top / (sum + top);
        double lambda = rho * c * 100;
        double meanMs = 1e3 * (erlangC / (c * 100 - lambda) + 1.0 / 100);
        Result r = new Simulation(queue(c, rho, 1000), Policy.ORACLE, 7).run();
        assertEquals(meanMs, r.mean() / 1e6, 0.05 * meanMs);
    }

    @Test
    void oracle_sameSeed_sameFigures_otherSeed_otherFigures() {
        Scenario s = scenario("slow-server").scaled(0.3);
        Result a = new Simulation(s, Policy.ORACLE, 11).run();
        Result b = new Simulation(s, Policy.ORACLE, 11).run();
        Result c = new Simulation(s, Policy.ORACLE, 12).run();
        assertArrayEquals(a.latencies(), b.latencies());
        assertArrayEquals(a.perServer(), b.perServer());
        assertEquals(a.events(), b.events());
        assertFalse(Arrays.equals(a.latencies(), c.latencies()));
    }

    /** With one server there is nothing to choose: lbkit and the oracle see identical runs. */
    @Test
    void lbkitAndOracle_oneServer_identicalRuns() {
        Scenario s = queue(2, 0.9, 200);
        Result oracle = new Simulation(s, Policy.ORACLE, 3).run();
        Result lbkit = new Simulation(s, new Policy("leastRequest", Strategy.leastRequest()), 3)
                .run();
        assertArrayEquals(oracle.latencies(), lbkit.latencies());
    }

    @Test
    void deadServer_callsFailAtTheTimeout_andTheRestSucceed() {
        Scenario base = queue(1, 0.5, 60);
        Scenario dead = new Scenario("dead", "dead", List.of(new ServerSpec(1, MEAN, 1)), true,
                base.callsPerSecond(), base.durationNanos(), base.warmupNanos(), Scenario.s(1),
                new BalancerOptions(false, null, false), sim -> sim.kill(sim.server(0)));
        Result r = new Simulation(dead, new Policy("roundRobin", Strategy.roundRobin()), 5).run();
        assertEquals(r.calls(), r.errors());
        assertEquals(Scenario.s(1), r.quantile(0.001));
        assertEquals(Scenario.s(1), r.quantile(1.0));
    }

    @Test
    void failFastServer_errorsIn1ms_andLeastRequestNoLongerFallsIntoTheTrapWithoutOutlierDetection() {
        Scenario s = scenario("fail-fast-no-od").scaled(0.5); // failing from 20 s of 50 s
        Result rr = new Simulation(s, new Policy("roundRobin", Strategy.roundRobin()), 1).run();
        Result lr = new Simulation(s, new Policy("leastRequest", Strategy.leastRequest()), 1)
                .run();
        assertTrue(rr.errorRate() > 0.06 && rr.errorRate() < 0.075,
                "round robin sends 1 in 10 calls there for 30 of 45 s: " + rr.errorRate());
        long at1ms = Arrays.stream(rr.latencies()).filter(l -> l == Simulation.FAIL_FAST_NANOS)
                .count();
        assertEquals(rr.errors(), at1ms, "every error took exactly 1 ms");
        // Least request used to send the failing server more than round robin (it always has
        // the fewest calls in flight); its failure penalty now keeps it to a trickle.
        assertTrue(lr.errorRate() < rr.errorRate() / 20, lr.errorRate() + " vs " + rr.errorRate());
    }

    /** The simulated probe and lbkit's active checks see the crash and the return. */
    @Test
    void dieReturn_activeChecksMarkTheCrashedServerDown_andHealthyAfterItReturns() {
        Scenario base = scenario("die-return");
        List<HealthStatus> seen = new ArrayList<>();
        Scenario s = new Scenario(base.name(), base.title(), base.servers(), true,
                base.callsPerSecond(), base.durationNanos(), base.warmupNanos(),
                base.timeoutNanos(), base.options(), sim -> {
                    base.script().install(sim);
                    sim.clock.at(Scenario.s(29), () -> seen.add(status(sim, 0)));
                    sim.clock.at(Scenario.s(45), () -> seen.add(status(sim, 0)));
                    sim.clock.at(Scenario.s(95), () -> seen.add(status(sim, 0)));
                });
        new Simulation(s, new Policy("leastRequest", Strategy.leastRequest()), 1).run();
        assertEquals(List.of(HealthStatus.HEALTHY, HealthStatus.DOWN, HealthStatus.HEALTHY), seen);
    }

    private static HealthStatus status(Simulation sim, int id) {
        Endpoint e = sim.server(id).endpoint;
        for (EndpointStats st : ((LbkitRouter) sim.router()).balancer().stats()) {
            if (st.endpoint().equals(e)) {
                return st.health();
            }
        }
        throw new AssertionError(e + " not in the balancer");
    }

    private static Scenario scenario(String name) {
        return Scenario.all().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow();
    }
}
