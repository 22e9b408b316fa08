package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The tier arithmetic: Envoy's priority-load formula, applied to priorities and zones. */
class TopologyTest {

    private final Topology topology = new Topology("a", "r1", 140, 6);

    /** Table-driven against Envoy's formula: health = min(1, 1.4 × healthy%), then spill. */
    @ParameterizedTest(name = "P0 {0}/10 healthy, P1 {1}/10 healthy -> P0 {2}, P1 {3}")
    @CsvSource({
        "10, 10, 1.0, 0.0",
        "8, 10, 1.0, 0.0", // 1.4 x 0.8 = 1.12: P0 keeps everything
        "7, 10, 0.98, 0.02", // 1.4 x 0.7 = 0.98
        "5, 10, 0.7, 0.3",
        "2, 10, 0.28, 0.72",
        "0, 10, 0.0, 1.0",
        "5, 2, 0.7142857142857143, 0.2857142857142857", // degraded: 0.7 + 0.28 scaled up to 1
        "0, 0, 0.0, 0.0",
    })
    void spill_followsEnvoysPriorityLoad(int healthy0, int healthy1, double load0, double load1) {
        double[] load = Topology.spill(new double[] {
            topology.health(healthy0, 10), topology.health(healthy1, 10)});
        assertEquals(load0, load[0], 1e-9);
        assertEquals(load1, load[1], 1e-9);
    }

    @Test
    void spill_threeTiersFillInOrder() {
        assertArrayEquals(new double[] {0.5, 0.3, 0.2},
                Topology.spill(new double[] {0.5, 0.3, 1.0}), 1e-9);
    }

    @Test
    void zoneTier_localZoneThenRegionThenRest() {
        Endpoint local = Endpoint.builder("10.0.0.1", 80).zone("a").region("r1").build();
        Endpoint region = Endpoint.builder("10.0.0.2", 80).zone("b").region("r1").build();
        Endpoint far = Endpoint.builder("10.0.0.3", 80).zone("c").region("r2").build();
        Endpoint none = Endpoint.of("10.0.0.4", 80);
        assertEquals(0, topology.zoneTier(local, 6));
        assertEquals(1, topology.zoneTier(region, 6));
        assertEquals(2, topology.zoneTier(far, 6));
        assertEquals(2, topology.zoneTier(none, 6));
        assertEquals(0, topology.zoneTier(far, 5), "below the minimum cluster size: zones off");
        assertEquals(0, new Topology(null, null, 140, 6).zoneTier(far, 100));
    }
}
