package io.lbkit.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Health acts before hashing: an ejected endpoint's keys move to the next endpoint of their own
 * ring or table, and come back when it returns.
 */
class HashEjectionTest {

    private static final int KEYS = 5_000;

    static Stream<Strategy> hashStrategies() {
        return Stream.of(Strategy.ringHash(), Strategy.maglev(), Strategy.boundedLoad(),
                Strategy.rendezvous());
    }

    private static String addressFor(LoadBalancer lb, long key) {
        Pick p = lb.pick(key);
        p.onSuccess(1_000);
        return p.endpoint().address();
    }

    @ParameterizedTest
    @MethodSource("hashStrategies")
    void ejectedEndpoint_keysMoveAlongTheirRing_andReturnWithIt(Strategy strategy) {
        ManualClock clock = new ManualClock();
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            eps.add(Endpoint.of("10.2.0." + i, 8080));
        }
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(eps)).strategy(strategy)
                .ticker(clock).scheduler(clock).build()) {
            String[] before = new String[KEYS];
            long victimKey = -1;
            for (int k = 0; k < KEYS; k++) {
                before[k] = addressFor(lb, k);
                if (victimKey < 0 && before[k].equals("10.2.0.4:8080")) {
                    victimKey = k;
                }
            }
            // Five consecutive failures (the default) eject the endpoint.
            for (int f = 0; f < 5; f++) {
                Pick p = lb.pick(victimKey);
                assertEquals("10.2.0.4:8080", p.endpoint().address());
                p.onFailure(1_000);
            }
            clock.runDue();
            int othersMoved = 0;
            for (int k = 0; k < KEYS; k++) {
                String now = addressFor(lb, k);
                assertNotEquals("10.2.0.4:8080", now, "key " + k + " still on the ejected endpoint");
                if (!before[k].equals("10.2.0.4:8080") && !before[k].equals(now)) {
                    othersMoved++;
                }
            }
            if (strategy == Strategy.maglev()) {
                assertTrue(othersMoved <= KEYS / 50, "Maglev moved " + othersMoved + " others");
            } else {
                assertEquals(0, othersMoved, "keys of healthy endpoints that moved");
            }
            clock.advance(Duration.ofSeconds(31)); // past the 30 s base ejection time
            for (int k = 0; k < KEYS; k++) {
                assertEquals(before[k], addressFor(lb, k), "key " + k + " after the return");
            }
        }
    }
}
