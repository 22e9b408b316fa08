package io.lbkit;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;

/** The spill arithmetic: traffic shares over tiers always add up to 100% (or nothing is healthy). */
class TopologySpillProperties {

    @Property
    void shares_sumToOneOrAreAllZero(
            @ForAll @Size(min = 1, max = 12) List<@DoubleRange(min = 0, max = 1) Double> health) {
        double[] h = health.stream().mapToDouble(Double::doubleValue).toArray();
        double[] load = Topology.spill(h);
        double sum = 0;
        boolean anyHealth = false;
        for (int i = 0; i < h.length; i++) {
            if (load[i] < 0 || (h[i] == 0 && load[i] != 0)) {
                throw new AssertionError("tier " + i + " health " + h[i] + " load " + load[i]);
            }
            sum += load[i];
            anyHealth |= h[i] > 0;
        }
        if (anyHealth ? Math.abs(sum - 1) > 1e-9 : sum != 0) {
            throw new AssertionError("loads sum to " + sum);
        }
        // A fully healthy tier takes everything that reaches it: later tiers get nothing.
        for (int i = 0; i < h.length; i++) {
            if (h[i] == 1.0) {
                for (int j = i + 1; j < h.length; j++) {
                    if (load[j] != 0) {
                        throw new AssertionError("tier " + j + " behind a healthy tier got load");
                    }
                }
                break;
            }
        }
    }
}
