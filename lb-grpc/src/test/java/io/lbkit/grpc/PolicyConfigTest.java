package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.LoadBalancerProvider;
import io.grpc.LoadBalancerRegistry;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.lbkit.strategy.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PolicyConfigTest {

    static PolicyConfig ok(Map<String, ?> json) {
        ConfigOrError c = PolicyConfig.parse(json);
        assertNull(c.getError(), () -> "unexpected error " + c.getError());
        return (PolicyConfig) c.getConfig();
    }

    static String error(Map<String, ?> json) {
        ConfigOrError c = PolicyConfig.parse(json);
        assertNotNull(c.getError(), () -> "expected an error for " + json);
        assertEquals(Status.Code.UNAVAILABLE, c.getError().getCode());
        return c.getError().getDescription();
    }

    @Test
    void emptyConfig_isLeastRequestWithDefaultFailureCodes() {
        PolicyConfig c = ok(Map.of());
        assertEquals("Strategy.leastRequest(2)", c.strategy().toString().replace(" ", ""));
        assertEquals(PolicyConfig.DEFAULT_FAILURE_CODES, c.failureCodes());
        assertTrue(c.isFailure(Status.Code.UNAVAILABLE));
        assertTrue(c.isFailure(Status.Code.DEADLINE_EXCEEDED));
        assertFalse(c.isFailure(Status.Code.NOT_FOUND));
        assertFalse(c.isFailure(Status.Code.CANCELLED));
    }

    static Stream<Arguments> strategiesByName() {
        return Stream.of(
                Arguments.of("round_robin", Strategy.roundRobin()),
                Arguments.of("weighted_round_robin", Strategy.weightedRoundRobin()),
                Arguments.of("random", Strategy.random()),
                Arguments.of("weighted_random", Strategy.weightedRandom()),
                Arguments.of("least_request", Strategy.leastRequest()),
                Arguments.of("peak_ewma", Strategy.peakEwma()),
                Arguments.of("ring_hash", Strategy.ringHash()),
                Arguments.of("maglev", Strategy.maglev()),
                Arguments.of("bounded_load", Strategy.boundedLoad()),
                Arguments.of("rendezvous", Strategy.rendezvous()));
    }

    /** Each name maps to its own core factory's strategy, with the factory's defaults. */
    @ParameterizedTest
    @MethodSource("strategiesByName")
    void everyStrategyName_mapsToItsStrategy(String name, Strategy expected) {
        Strategy actual = ok(Map.of("strategy", name)).strategy();
        assertEquals(expected.getClass(), actual.getClass(), name);
        assertEquals(expected.toString(), actual.toString(), name);
    }

    @Test
    void everyStrategyName_isTested() {
        assertEquals(10, strategiesByName().count());
        assertEquals(strategiesByName().map(a -> a.get()[1].getClass()).distinct().count(), 10,
                "ten distinct strategy classes");
    }

    /** Issue 14: config errors printed durations as Java does (PT0.01S). */
    @Test
    void configError_printsDurationsAsTheConfigWritesThem() {
        String msg = error(Map.of("outlierDetection", Map.of("interval", "0.01s")));
        assertTrue(msg.contains("outlierDetection.interval") && msg.contains("was 0.01s")
                && msg.contains("0.1s..3600s"), msg);
        assertFalse(msg.contains("PT"), msg);
        msg = error(Map.of("healthCheck", Map.of("timeout", "61s")));
        assertTrue(msg.contains("was 61s") && msg.contains("..60s"), msg);
        msg = error(Map.of("strategy", "peak_ewma", "decayTime", "7200s"));
        assertTrue(msg.contains("was 7200s") && msg.contains("..3600s"), msg);
        assertFalse(msg.contains("PT"), msg);
    }

    @Test
    void configDuration_isDecimalSeconds() {
        assertEquals("0.01s", ConfigJson.configDuration(java.time.Duration.ofMillis(10)));
        assertEquals("3600s", ConfigJson.configDuration(java.time.Duration.ofHours(1)));
        assertEquals("0s", ConfigJson.configDuration(java.time.Duration.ZERO));
        assertEquals("1.000000001s", ConfigJson.configDuration(java.time.Duration.ofNanos(1_000_000_001)));
        assertEquals("in 0.1s..86400s, was 90061.5s", ConfigJson.configDurations(
                "in PT0.1S..PT24H, was PT25H1M1.5S"));
        assertEquals("SPT1X PT", ConfigJson.configDurations("SPT1X PT"));
    }

    @Test
    void leastRequest_takesChoiceCount() {
        PolicyConfig c = ok(Map.of("strategy", "least_request", "choiceCount", 3.0));
        assertTrue(c.strategy().toString().contains("3"), c.strategy().toString());
    }

    @Test
    void peakEwma_takesDecayTime() {
        PolicyConfig c = ok(Map.of("strategy", "peak_ewma", "decayTime", "2.5s"));
        assertEquals(Duration.ofMillis(2500), c.strategy().latencyDecay());
    }

    @Test
    void hashStrategies_takeTheirParameters() {
        assertTrue(ok(Map.of("strategy", "ring_hash", "minRingSize", 4096.0)).strategy()
                .toString().contains("4096"));
        assertTrue(ok(Map.of("strategy", "maglev", "tableSize", 251.0)).strategy().toString()
                .contains("251"));
        assertTrue(ok(Map.of("strategy", "bounded_load", "balanceFactor", 1.5)).strategy()
                .toString().contains("1.5"));
        String msg = error(Map.of("strategy", "maglev", "tableSize", 100.0));
        assertTrue(msg.contains("tableSize") && msg.contains("prime"), msg);
        // each error names the one field at fault as its JSON path, not "minRingSize/maxRingSize"
        msg = error(Map.of("strategy", "ring_hash", "minRingSize", 0.0));
        assertTrue(msg.contains("\"minRingSize\": minRingSize must be in 1..8388608, was 0"), msg);
        msg = error(Map.of("strategy", "ring_hash", "maxRingSize", 1024.0));
        assertTrue(msg.contains("\"maxRingSize\": maxRingSize must be in minRingSize (131072)"),
                msg);
        msg = error(Map.of("strategy", "ring_hash", "minRingSize", 4096.0, "maxRingSize", 1024.0));
        assertTrue(msg.contains("\"maxRingSize\": maxRingSize must be in minRingSize (4096)"),
                msg);
    }

    @Test
    void hashHeader_isParsedForHashStrategiesOnly() {
        PolicyConfig c = ok(Map.of("strategy", "ring_hash", "hashHeader", "x-user-id"));
        assertEquals("x-user-id", c.hashHeader().name());
        assertNull(c.hashBinaryHeader());
        c = ok(Map.of("strategy", "maglev", "hashHeader", "session-bin"));
        assertEquals("session-bin", c.hashBinaryHeader().name());
        assertNull(c.hashHeader());

        String msg = error(Map.of("strategy", "round_robin", "hashHeader", "x-user-id"));
        assertTrue(msg.contains("hashHeader") && msg.contains("ring_hash"), msg);
        msg = error(Map.of("strategy", "ring_hash", "hashHeader", "bad header"));
        assertTrue(msg.contains("hashHeader"), msg);
    }

    @Test
    void failureStatusCodes_replaceTheDefaults() {
        PolicyConfig c = ok(Map.of("failureStatusCodes", List.of("RESOURCE_EXHAUSTED")));
        assertTrue(c.isFailure(Status.Code.RESOURCE_EXHAUSTED));
        assertFalse(c.isFailure(Status.Code.UNAVAILABLE));
    }

    @Test
    void equalJson_givesEqualConfig() {
        assertEquals(ok(Map.of("strategy", "random")), ok(Map.of("strategy", "random")));
        assertFalse(ok(Map.of("strategy", "random")).equals(ok(Map.of("strategy", "peak_ewma"))));
    }

    @Test
    void unknownField_isRejectedNamingTheFields() {
        String msg = error(Map.of("strategi", "random"));
        assertTrue(msg.contains("\"strategi\"") && msg.contains("strategy"), msg);
    }

    @Test
    void unknownStrategy_isRejectedListingTheStrategies() {
        String msg = error(Map.of("strategy", "fastest"));
        assertTrue(msg.contains("\"fastest\"") && msg.contains("peak_ewma"), msg);
    }

    @Test
    void choiceCountOutOfRange_isRejectedWithTheRange() {
        String msg = error(Map.of("strategy", "least_request", "choiceCount", 1.0));
        assertTrue(msg.contains("choiceCount") && msg.contains("2..10"), msg);
    }

    @Test
    void choiceCountNotWhole_isRejected() {
        String msg = error(Map.of("strategy", "least_request", "choiceCount", 2.5));
        assertTrue(msg.contains("choiceCount") && msg.contains("whole number"), msg);
    }

    @Test
    void parameterOfAnotherStrategy_isRejected() {
        String msg = error(Map.of("strategy", "round_robin", "decayTime", "1s"));
        assertTrue(msg.contains("decayTime") && msg.contains("peak_ewma"), msg);
        assertNotNull(ok(Map.of("choiceCount", 3.0))); // the default strategy is least_request
    }

    @ParameterizedTest
    @ValueSource(strings = {"10", "-1s", "s", "1.5m", "ten seconds", "0.0000000001s"})
    void malformedDuration_isRejected(String text) {
        String msg = error(Map.of("strategy", "peak_ewma", "decayTime", text));
        assertTrue(msg.contains("decayTime"), msg);
    }

    @Test
    void decayTimeOutOfRange_isRejectedWithTheRange() {
        String msg = error(Map.of("strategy", "peak_ewma", "decayTime", "7200s"));
        assertTrue(msg.contains("decayTime") && msg.contains("0.001s..3600s"), msg);
    }

    @Test
    void badStatusCode_isRejectedListingTheCodes() {
        String msg = error(Map.of("failureStatusCodes", List.of("OK")));
        assertTrue(msg.contains("UNAVAILABLE"), msg);
        msg = error(Map.of("failureStatusCodes", "UNAVAILABLE"));
        assertTrue(msg.contains("list"), msg);
    }

    @Test
    void healthOptions_parseIntoTheBalancerBuilder() {
        PolicyConfig c = ok(Map.of(
                "outlierDetection", Map.of("consecutiveFailures", 3.0, "baseEjectionTime", "5s",
                        "maxEjectionPercent", 50.0),
                "circuitBreaker", Map.of("failureThreshold", 10.0, "openDuration", "2s"),
                "slowStart", Map.of("window", "30s", "minWeightPercent", 20.0),
                "panicThreshold", 0.0,
                "maxRequestsPerEndpoint", 100.0,
                "localZone", "eu-1a",
                "healthCheck", Map.of("serviceName", "orders.Orders", "interval", "5s",
                        "timeout", "0.5s", "rise", 1.0, "fall", 2.0)));
        assertEquals("orders.Orders", c.health().serviceName());
        assertEquals(Duration.ofMillis(500), c.health().timeout());
        io.lbkit.LoadBalancer.Builder b = io.lbkit.LoadBalancer.builder(io.lbkit.EndpointGroup.of());
        c.apply(b, io.lbkit.health.HealthProbe.constant(true));
        // every option was set once: setting any again names the earlier value
        IllegalStateException again = assertThrows(IllegalStateException.class,
                () -> b.panicThreshold(10));
        assertTrue(again.getMessage().contains("panicThreshold was already set to 0"),
                again.getMessage());
        assertThrows(IllegalStateException.class, () -> b.localZone("x"));
        assertThrows(IllegalStateException.class,
                () -> b.healthCheck(io.lbkit.health.HealthCheck.of(endpoint -> null)));
        b.build().close();
    }

    @Test
    void healthCheck_isOffByDefault() {
        assertNull(ok(Map.of()).health());
    }

    @Test
    void outlierDetection_canBeTurnedOff() {
        assertNotNull(ok(Map.of("outlierDetection", Map.of("enabled", false))));
        String msg = error(Map.of("outlierDetection",
                Map.of("enabled", false, "consecutiveFailures", 3.0)));
        assertTrue(msg.contains("no other field"), msg);
    }

    @Test
    void nestedFieldOutOfRange_isRejectedWithItsPathAndRange() {
        String msg = error(Map.of("outlierDetection", Map.of("maxEjectionPercent", 150.0)));
        assertTrue(msg.contains("\"outlierDetection.maxEjectionPercent\"") && msg.contains("0..100"),
                msg);
        msg = error(Map.of("healthCheck", Map.of("fall", 0.0)));
        assertTrue(msg.contains("\"healthCheck.fall\"") && msg.contains("1..100"), msg);
        msg = error(Map.of("panicThreshold", 101.0));
        assertTrue(msg.contains("\"panicThreshold\"") && msg.contains("0..100"), msg);
    }

    @Test
    void unknownNestedField_isRejectedNamingTheObjectsFields() {
        String msg = error(Map.of("circuitBreaker", Map.of("threshold", 3.0)));
        assertTrue(msg.contains("\"circuitBreaker.threshold\"") && msg.contains("failureThreshold"),
                msg);
    }

    @Test
    void slowStart_needsAWindow() {
        String msg = error(Map.of("slowStart", Map.of("minWeightPercent", 20.0)));
        assertTrue(msg.contains("slowStart.window"), msg);
    }

    @Test
    void nestedObjectOfWrongType_isRejected() {
        String msg = error(Map.of("healthCheck", true));
        assertTrue(msg.contains("\"healthCheck\" must be a JSON object"), msg);
    }

    @Test
    void policy_isRegisteredThroughServiceLoader() {
        LoadBalancerProvider p = LoadBalancerRegistry.getDefaultRegistry().getProvider("lbkit");
        assertNotNull(p);
        assertEquals(LbkitGrpc.POLICY_NAME, p.getPolicyName());
        assertEquals(Providers.Policy.class, p.getClass());
    }

    @Test
    void badDefaultServiceConfig_failsTheChannelBuildWithTheMessage() {
        RuntimeException e = assertThrows(RuntimeException.class, () ->
                Grpc.newChannelBuilder("lbkit:///127.0.0.1:1", InsecureChannelCredentials.create())
                        .defaultServiceConfig(Map.of("loadBalancingConfig", List.of(
                                Map.of("lbkit", Map.of("strategy", "fastest")))))
                        .build());
        StringBuilder messages = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertTrue(messages.toString().contains("\"fastest\""), messages.toString());
    }
}
