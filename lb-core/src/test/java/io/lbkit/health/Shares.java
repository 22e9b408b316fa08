package io.lbkit.health;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.util.function.Predicate;

/** Measures where a balancer's picks go, for the topology tests. */
final class Shares {

    private Shares() {}

    /**
     * The share of {@code picks} picks (each reported as a success at once) that land on an
     * endpoint matching {@code which}. The picks are keyed 0, 1, 2, ...: a tiered route draws
     * each call's tier from the key's hash rather than from ThreadLocalRandom, so with a
     * deterministic strategy (round robin) the share is the same on every run.
     */
    static double share(LoadBalancer lb, Predicate<Endpoint> which, int picks) {
        int hits = 0;
        for (int i = 0; i < picks; i++) {
            Pick p = lb.pick((long) i);
            if (which.test(p.endpoint())) {
                hits++;
            }
            p.onSuccess(0);
        }
        return (double) hits / picks;
    }
}
