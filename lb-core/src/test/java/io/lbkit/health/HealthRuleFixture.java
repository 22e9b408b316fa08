package io.lbkit.health;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What the health-rule tests share: a round-robin balancer on a {@link ManualClock} that records its
 * health events, and ways to drive calls at it. Not thread-safe; one per test.
 */
abstract class HealthRuleFixture {

    final ManualClock clock = new ManualClock();
    final List<HealthEvent> events = new ArrayList<>();

    static List<Endpoint> endpoints(int n) {
        List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(Endpoint.of("10.0.0." + (i + 1), 8080));
        }
        return list;
    }

    LoadBalancer.Builder builder(EndpointGroup group) {
        return LoadBalancer.builder(group).strategy(Strategy.roundRobin()).ticker(clock)
                .scheduler(clock).healthListener(events::add);
    }

    /** Makes {@code calls} picks, failing those that land on a failing endpoint. */
    static Set<Endpoint> drive(LoadBalancer lb, int calls, Predicate<Endpoint> failing) {
        Set<Endpoint> seen = new HashSet<>();
        for (int i = 0; i < calls; i++) {
            Pick p = lb.pick();
            seen.add(p.endpoint());
            if (failing.test(p.endpoint())) {
                p.onFailure(1_000_000);
            } else {
                p.onSuccess(1_000_000);
            }
        }
        return seen;
    }

    static HealthStatus status(LoadBalancer lb, Endpoint e) {
        return stats(lb, e).health();
    }

    static EndpointStats stats(LoadBalancer lb, Endpoint e) {
        return lb.stats().stream().filter(s -> s.endpoint().equals(e)).findFirst().orElseThrow();
    }

    long count(HealthEvent.Type type) {
        return events.stream().filter(e -> e.type() == type).count();
    }

    static void failOn(LoadBalancer lb, Endpoint e) {
        while (true) {
            Pick p = lb.pick();
            if (p.endpoint().equals(e)) {
                p.onFailure(0);
                return;
            }
            p.onSuccess(0);
        }
    }

    static void succeedOn(LoadBalancer lb, Endpoint e) {
        while (true) {
            Pick p = lb.pick();
            p.onSuccess(0);
            if (p.endpoint().equals(e)) {
                return;
            }
        }
    }

    static long ejectedCount(LoadBalancer lb) {
        return lb.stats().stream().filter(s -> s.health() == HealthStatus.EJECTED).count();
    }
}
