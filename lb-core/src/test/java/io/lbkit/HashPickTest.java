package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.strategy.Strategy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link LoadBalancer#pick(long)} and its siblings with the hash strategies. */
class HashPickTest {

    static Stream<Strategy> hashStrategies() {
        return Stream.of(Strategy.ringHash(), Strategy.maglev(), Strategy.boundedLoad(),
                Strategy.rendezvous());
    }

    private static List<Endpoint> endpoints(int n) {
        List<Endpoint> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(Endpoint.of("10.1.0." + i, 8080));
        }
        return out;
    }

    /** Picks with the key and completes the call at once; the chosen address. */
    private static String addressFor(LoadBalancer lb, long key) {
        Pick p = lb.pick(key);
        p.release();
        return p.endpoint().address();
    }

    @ParameterizedTest
    @MethodSource("hashStrategies")
    void pickLong_equalsPickOfItsLittleEndianBytes(Strategy strategy) {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(7)))
                .strategy(strategy).build()) {
            for (long key = -50; key < 500; key++) {
                byte[] le = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(key)
                        .array();
                Pick bytes = lb.pick(le);
                bytes.release();
                assertEquals(addressFor(lb, key), bytes.endpoint().address());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("hashStrategies")
    void pickCharSequence_equalsPickOfUtf16LeBytes_forAnyCharSequenceClass(Strategy strategy) {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(7)))
                .strategy(strategy).build()) {
            for (int k = 0; k < 300; k++) {
                String key = "user-" + k + (k % 3 == 0 ? "-ünïcødé-\uD83D\uDE00" : "");
                Pick s = lb.pick(key);
                s.release();
                Pick sb = lb.pick(new StringBuilder(key));
                sb.release();
                Pick bytes = lb.pick(key.getBytes(StandardCharsets.UTF_16LE));
                bytes.release();
                assertEquals(s.endpoint(), sb.endpoint());
                assertEquals(s.endpoint(), bytes.endpoint());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("hashStrategies")
    void pickLong_sequentialIds_spreadEvenly(Strategy strategy) {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(10)))
                .strategy(strategy).build()) {
            Map<String, Integer> counts = new HashMap<>();
            for (long id = 0; id < 20_000; id++) {
                counts.merge(addressFor(lb, id), 1, Integer::sum);
            }
            assertEquals(10, counts.size(), "every endpoint gets keys: " + counts);
            // Within ±35% of 2,000 keys each: loose enough for every hash strategy at its defaults.
            counts.values().forEach(c -> assertTrue(c > 1_300 && c < 2_700, counts::toString));
        }
    }

    @ParameterizedTest
    @MethodSource("hashStrategies")
    void pickWithoutKey_usesRandomHash_reachingEveryEndpoint(Strategy strategy) {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(5)))
                .strategy(strategy).build()) {
            Set<String> seen = new HashSet<>();
            for (int k = 0; k < 2_000; k++) {
                Pick p = lb.pick();
                p.release();
                seen.add(p.endpoint().address());
            }
            assertEquals(5, seen.size());
        }
    }

    /**
     * Removing an endpoint (as an ejection does: it leaves the candidates) moves only its keys,
     * to other endpoints of their own ring or table; when it comes back every key returns.
     */
    @ParameterizedTest
    @MethodSource("hashStrategies")
    void endpointLeavesAndReturns_onlyItsKeysMove_andAllReturn(Strategy strategy) {
        List<Endpoint> all = endpoints(10);
        DynamicEndpointGroup group = EndpointGroup.dynamic(all.toArray(new Endpoint[0]));
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(strategy).build()) {
            int keys = 10_000;
            String[] before = new String[keys];
            for (int k = 0; k < keys; k++) {
                before[k] = addressFor(lb, k);
            }
            Endpoint victim = all.get(3);
            assertTrue(group.remove(victim));
            int othersMoved = 0;
            int victimKeys = 0;
            for (int k = 0; k < keys; k++) {
                String now = addressFor(lb, k);
                assertNotEquals(victim.address(), now);
                if (before[k].equals(victim.address())) {
                    victimKeys++;
                } else if (!before[k].equals(now)) {
                    othersMoved++;
                }
            }
            assertTrue(victimKeys > 0);
            if (strategy == Strategy.maglev()) {
                assertTrue(othersMoved <= keys / 50, "Maglev moved " + othersMoved + " other keys");
            } else {
                assertEquals(0, othersMoved, "other keys that moved");
            }
            assertTrue(group.add(victim));
            for (int k = 0; k < keys; k++) {
                assertEquals(before[k], addressFor(lb, k), "key " + k + " after the return");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("hashStrategies")
    void pick_nullKey_throwsNullPointerException(Strategy strategy) {
        try (LoadBalancer lb = LoadBalancer.builder(EndpointGroup.of(endpoints(2)))
                .strategy(strategy).build()) {
            assertThrows(NullPointerException.class, () -> lb.pick((CharSequence) null));
            assertThrows(NullPointerException.class, () -> lb.pick((byte[]) null));
        }
    }

    @ParameterizedTest
    @MethodSource("hashStrategies")
    void pick_noEndpoints_throwsNoEndpointAvailable(Strategy strategy) {
        DynamicEndpointGroup group = EndpointGroup.dynamic(Endpoint.of("10.9.9.9", 80));
        try (LoadBalancer lb = LoadBalancer.builder(group).strategy(strategy).build()) {
            group.remove(Endpoint.of("10.9.9.9", 80));
            assertThrows(NoEndpointAvailableException.class, () -> lb.pick("k"));
            assertThrows(NoEndpointAvailableException.class, () -> lb.pick(7L));
        }
    }
}
