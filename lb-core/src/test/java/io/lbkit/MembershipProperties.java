package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.strategy.Strategy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every strategy returns only endpoints of the current snapshot, whatever sequence of adds,
 * removes, weight changes and replace-alls the group goes through, and fails with
 * {@link NoEndpointAvailableException.Reason#EMPTY} exactly while the group is empty.
 */
class MembershipProperties {

    /** One membership change: what to do, to which of a pool of 12 addresses, which weight. */
    record Change(int kind, int host, int weight, int mask) {
        Endpoint endpoint() {
            return Endpoint.of("10.5.0." + host, 9000, weight);
        }

        void applyTo(DynamicEndpointGroup group) {
            switch (kind) {
                case 0, 1 -> group.add(endpoint()); // join, or weight change if present
                case 2, 3 -> group.remove(endpoint());
                default -> { // replace-all with the pool members selected by mask
                    List<Endpoint> next = new ArrayList<>();
                    for (int h = 0; h < 12; h++) {
                        if ((mask & (1 << h)) != 0) {
                            next.add(Endpoint.of("10.5.0." + h, 9000, 1 + (h * weight) % 9));
                        }
                    }
                    group.set(next);
                }
            }
        }
    }

    @Provide
    Arbitrary<List<Change>> changes() {
        Arbitrary<Change> change = Combinators.combine(
                Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, 11),
                Arbitraries.integers().between(1, 9),
                Arbitraries.integers().between(0, (1 << 12) - 1))
                .as(Change::new);
        return change.list().ofMinSize(1).ofMaxSize(40);
    }

    @Provide
    Arbitrary<Strategy> strategies() {
        return Arbitraries.of(Strategy.roundRobin(), Strategy.weightedRoundRobin(),
                Strategy.random(), Strategy.weightedRandom(), Strategy.leastRequest(),
                Strategy.leastRequest(3), Strategy.peakEwma());
    }

    @Property(tries = 300)
    void everyPick_returnsAnEndpointOfTheCurrentSnapshot(@ForAll("strategies") Strategy strategy,
            @ForAll("changes") List<Change> changes) {
        DynamicEndpointGroup group = EndpointGroup.dynamic(Endpoint.of("10.5.0.0", 9000));
        Deque<Pick> open = new ArrayDeque<>();
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(strategy).build()) {
            for (Change change : changes) {
                change.applyTo(group);
                List<Endpoint> snapshot = group.endpoints();
                assertEquals(snapshot, lb.stats().stream().map(EndpointStats::endpoint).toList(),
                        "stats follow the snapshot");
                if (snapshot.isEmpty()) {
                    assertEquals(NoEndpointAvailableException.Reason.EMPTY, assertThrows(
                            NoEndpointAvailableException.class, lb::pick).reason());
                    continue;
                }
                for (int k = 0; k < 3 * snapshot.size() + 5; k++) {
                    Pick p = k % 2 == 0 ? lb.pick() : lb.pick(k * 0x9E3779B97F4A7C15L);
                    assertTrue(snapshot.contains(p.endpoint()), strategy + " picked "
                            + p.endpoint() + ", not in " + snapshot);
                    if (k % 3 == 0) {
                        open.add(p); // some calls stay in flight across changes
                    } else {
                        p.onSuccess(1_000L * (1 + k));
                    }
                }
                while (open.size() > 6) {
                    open.poll().onFailure(5_000);
                }
            }
            open.forEach(Pick::release);
            for (EndpointStats s : lb.stats()) {
                assertEquals(0, s.inFlight(), "in flight on " + s.endpoint());
            }
        }
    }
}
