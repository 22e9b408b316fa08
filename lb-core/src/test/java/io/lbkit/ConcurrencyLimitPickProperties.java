package io.lbkit;

import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import io.lbkit.testing.FakeScheduler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Invariants of the concurrency limit on the pick path, under any sequence of picks, keyed picks
 * and reports: a pick never lands on an endpoint at its limit, it fails (AT_CAPACITY) exactly
 * when every endpoint is at its limit, and the in-flight counts are exact.
 */
class ConcurrencyLimitPickProperties {

    private static final List<Strategy> STRATEGIES = List.of(Strategy.roundRobin(),
            Strategy.weightedRandom(), Strategy.leastRequest(), Strategy.peakEwma(),
            Strategy.ringHash(256, 256), Strategy.maglev(101), Strategy.rendezvous());

    /**
     * Each step's last digit says what to do: 0-3 pick, 4-5 pick with the step as key, 6
     * success, 7 failure, 8 release, 9 a slow success (queueing); the held pick reported is the
     * step's tenth modulo the number held. Latencies are the step in tenths of a millisecond.
     */
    @Property(tries = 300)
    void picks_neverExceedALimit_andFailExactlyWhenAllAreAtTheirs(
            @ForAll @IntRange(min = 0, max = 6) int strategy,
            @ForAll @IntRange(min = 1, max = 6) int endpoints,
            @ForAll @IntRange(min = 1, max = 10) int initialLimit,
            @ForAll @IntRange(min = 1, max = 10) int window,
            @ForAll @Size(max = 1_500) List<@IntRange(min = 0, max = 99_999) Integer> steps) {
        FakeScheduler clock = new FakeScheduler();
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            eps.add(Endpoint.of("10.5.0." + (i + 1), 8080));
        }
        LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(eps))
                .strategy(STRATEGIES.get(strategy)).ticker(clock).scheduler(clock)
                .outlierDetection(OutlierDetection.disabled())
                .concurrencyLimit(ConcurrencyLimit.gradientBuilder().initialLimit(initialLimit)
                        .limitBounds(1, 12).windowSamples(window).build())
                .build();
        List<Pick> held = new ArrayList<>();
        Map<Endpoint, Integer> mine = new HashMap<>();
        try {
            for (int step : steps) {
                int op = step % 10;
                long latency = step * 100_000L;
                if (op <= 5) {
                    Map<Endpoint, int[]> before = snapshot(lb);
                    boolean allFull = before.values().stream().allMatch(s -> s[0] >= s[1]);
                    Pick p;
                    try {
                        p = op <= 3 ? lb.pick() : lb.pick(step);
                    } catch (NoEndpointAvailableException e) {
                        if (!allFull
                                || e.reason() != NoEndpointAvailableException.Reason.AT_CAPACITY) {
                            throw new AssertionError("refused (" + e.reason() + ") with room: "
                                    + describe(before));
                        }
                        continue;
                    }
                    int[] s = before.get(p.endpoint());
                    if (s[0] >= s[1]) {
                        throw new AssertionError("picked " + p.endpoint() + " at its limit: "
                                + describe(before));
                    }
                    held.add(p);
                    mine.merge(p.endpoint(), 1, Integer::sum);
                } else if (!held.isEmpty()) {
                    Pick p = held.remove((step / 10) % held.size());
                    mine.merge(p.endpoint(), -1, Integer::sum);
                    switch (op) {
                        case 6 -> p.onSuccess(latency % 20_000_000L);
                        case 7 -> p.onFailure(latency);
                        case 8 -> p.release();
                        default -> p.onSuccess(latency * 10);
                    }
                }
                for (Map.Entry<Endpoint, int[]> e : snapshot(lb).entrySet()) {
                    int expected = mine.getOrDefault(e.getKey(), 0);
                    if (e.getValue()[0] != expected) {
                        throw new AssertionError(e.getKey() + " in flight " + e.getValue()[0]
                                + ", held " + expected);
                    }
                    if (e.getValue()[1] < 1 || e.getValue()[1] > 12) {
                        throw new AssertionError(e.getKey() + " limit " + e.getValue()[1]);
                    }
                }
            }
        } finally {
            lb.close();
        }
    }

    /** Per endpoint: {in flight, limit}. */
    private static Map<Endpoint, int[]> snapshot(LoadBalancer lb) {
        Map<Endpoint, int[]> m = new HashMap<>();
        for (EndpointStats s : lb.stats()) {
            m.put(s.endpoint(), new int[] {s.inFlight(), s.concurrencyLimit().orElseThrow()});
        }
        return m;
    }

    private static String describe(Map<Endpoint, int[]> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((e, s) -> b.append(e.address()).append(' ').append(s[0]).append('/')
                .append(s[1]).append("; "));
        return b.toString();
    }
}
