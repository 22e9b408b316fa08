package io.lbkit.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.sim.SubsetFleet.Mode;
import io.lbkit.strategy.Strategy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The subsetting simulation at a small scale: its tables and one traffic run. */
class SubsetSimTest {

    @Test
    void deterministicSubsetting_evenConnections_noChurnOnRestart() {
        SubsetTables.Row r = SubsetTables.row(Mode.DETERMINISTIC, 60, 60, 6, 0.05, 0.10, 1);
        assertEquals(6, r.connections().min());
        assertEquals(6, r.connections().max());
        assertEquals(0, r.restartChanged(), "a restarted client keeps its id and its subset");
        assertEquals(1.0, r.connectionsAfterRestart().max() / r.connectionsAfterRestart().mean(),
                1e-9);
        // Each replacement must change at least the clients of the leaving server and those of
        // the new one: 2 x 6 of 60.
        assertTrue(r.deployChangedPerStep() >= 2 * 6 / 60.0 - 1e-9, "" + r);
        assertTrue(r.deployMovedPerK() >= 2 - 1e-9 && r.deployMovedPerK() <= 16, "" + r);
    }

    @Test
    void randomSubsetting_unevenConnections_restartsChangeSubsets() {
        SubsetTables.Row r = SubsetTables.row(Mode.RANDOM, 60, 60, 6, 0.05, 0.10, 1);
        assertTrue(r.connections().max() > r.connections().min(), "" + r);
        assertEquals(6.0, r.connections().mean(), 1e-9);
        assertEquals(6 / 60.0, r.restartChanged(), 1e-9,
                "the 6 restarted clients draw new keys; each new subset differs");
        // Rendezvous moves only what it must: a leave and a join, k connections each.
        assertEquals(2.0, r.deployMovedPerK(), 0.5);
        SubsetTables.Row stable = SubsetTables.row(Mode.RENDEZVOUS, 60, 60, 6, 0.05, 0.10, 1);
        assertEquals(0, stable.restartChanged(), "a stable key survives restarts");
    }

    @Test
    void noSubsetting_everyClientConnectsToEveryServer() {
        SubsetTables.Row r = SubsetTables.row(Mode.NONE, 30, 40, 40, 0.05, 0.10, 1);
        assertEquals(30, r.connections().min());
        assertEquals(30, r.connections().max());
        assertEquals(1.0, r.deployChanged(), "every client sees every replacement");
    }

    private static SubsetSim.Config roundRobinConfig() {
        return new SubsetSim.Config(Mode.DETERMINISTIC, 4, 20, 20, 0.05,
                "roundRobin", Strategy.roundRobin(3), 0.7, Scenario.ms(600), Scenario.ms(200), 3);
    }

    @Test
    void trafficRun_routesEveryCallToASubsetMember_andRepeatsExactlyWithRoundRobin() {
        // Round robin's pickers start at offsets drawn from the strategy's generator: a seeded
        // one, fresh for each run, makes the run repeat exactly.
        SubsetSim.Outcome a = new SubsetSim(roundRobinConfig()).run();
        SubsetSim.Outcome b = new SubsetSim(roundRobinConfig()).run();
        assertTrue(a.latencies().length > 1000, "calls measured: " + a.latencies().length);
        long routed = 0;
        for (long n : a.perServer()) {
            routed += n;
        }
        assertEquals(a.latencies().length, routed, "every measured call reached a server");
        for (int n : a.connections()) {
            assertEquals(4, n, "20 clients x 4 / 20 servers");
        }
        assertArrayEquals(a.latencies(), b.latencies(), "seeded: the same run twice");
        assertArrayEquals(a.perServer(), b.perServer());
        assertEquals(a.events(), b.events());
    }

    @Test
    void main_printsEveryTable() throws Exception {
        SubsettingMain.Options o = SubsettingMain.Options.parse(new String[] {"--clients", "30",
                "--servers", "30", "--sizes", "3,6", "--duration-ms", "300", "--threads", "2"});
        String out = SubsettingMain.run(o);
        assertTrue(out.contains("### 30 clients x 30 servers"), out);
        assertTrue(out.contains("| deterministic | 6 | 6 / 6.0 / 6 | 1.000 | 1.000 |"), out);
        assertTrue(out.contains("The SRE book's example"), out);
        assertTrue(out.contains("### Traffic: 30 clients x 30 servers"), out);
        assertEquals(List.of(), List.of(out.split("\n")).stream()
                .filter(l -> l.contains("NaN")).toList(), "no NaN figures");
    }
}
