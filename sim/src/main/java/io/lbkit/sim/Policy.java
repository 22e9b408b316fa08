package io.lbkit.sim;

import io.lbkit.strategy.Strategy;
import java.util.List;

/**
 * Who routes the calls of a run: one of lbkit's strategies (through a real balancer), or the
 * oracle. Immutable.
 *
 * @param name the name printed in the tables
 * @param strategy the lbkit strategy; null for the oracle
 */
record Policy(String name, Strategy strategy) {

    static final Policy ORACLE = new Policy("oracle", null);

    /** Every lbkit strategy the issue names, then the oracle. */
    static List<Policy> all() {
        return List.of(
                new Policy("roundRobin", Strategy.roundRobin()),
                new Policy("weightedRoundRobin", Strategy.weightedRoundRobin()),
                new Policy("random", Strategy.random()),
                new Policy("weightedRandom", Strategy.weightedRandom()),
                new Policy("leastRequest", Strategy.leastRequest()),
                new Policy("peakEwma", Strategy.peakEwma()),
                ORACLE);
    }

    boolean isOracle() {
        return strategy == null;
    }
}
