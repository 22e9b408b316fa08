package io.lbkit.jmh;

import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.strategy.Strategy;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Why a ring-hash pick costs more than a Maglev pick at 3 endpoints (issue 19 item 1): the same
 * keyed pick + report as {@link LbkitPickBenchmark}, over rings of several minimum sizes beside
 * Maglev's default table. A ring lookup reads the bucket index (4 bytes a bucket) and the ring
 * (8 bytes a point): 1.5 MiB of randomly addressed memory at the default minimum of 131,072
 * points, against 256 KiB for Maglev's 65,537 4-byte slots. If the ring's extra cost is its
 * footprint, a small ring costs what Maglev does and the default one does not.
 *
 * <pre>{@code
 * java -jar jmh/target/benchmarks.jar HashFootprintBenchmark -f 1 -wi 3 -w 1s -i 5 -r 500ms -prof gc
 * }</pre>
 */
public class HashFootprintBenchmark extends PickAndReportBenchmark {

    /** {@code ringHash:<minimum ring size>} or {@code maglev:<table size>} (a prime). */
    @Param({"ringHash:1024", "ringHash:16384", "ringHash:131072", "maglev:65537"})
    public String table;

    @Param({"3", "100"})
    public int endpoints;

    @Setup
    public void setUp() {
        String[] kind = table.split(":");
        int size = Integer.parseInt(kind[1]);
        Strategy strategy = kind[0].equals("maglev") ? Strategy.maglev(size)
                : Strategy.ringHash(size, Math.max(size, 8 * 1024 * 1024));
        Workload w = new Workload(endpoints);
        measure(LoadBalancer.builder(EndpointGroup.of(w.lbkitEndpoints())).strategy(strategy)
                .build(), kind[0], w);
    }
}
