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

    private static PolicyConfig ok(Map<String, ?> json) {
        ConfigOrError c = PolicyConfig.parse(json);
        assertNull(c.getError(), () -> "unexpected error " + c.getError());
        return (PolicyConfig) c.getConfig();
    }

    private static String error(Map<String, ?> json) {
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
        msg = error(Map.of("strategy", "ring_hash", "minRingSize", 0.0));
        assertTrue(msg.contains("minRingSize"), msg);
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

    // ---- split ------------------------------------------------------------------------------

    private static Map<String, Object> route(String name, Object weight) {
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("name", name);
        r.put("weight", weight);
        return r;
    }

    private static Map<String, ?> split(Map<String, ?> split) {
        return Map.of("split", split);
    }

    private static final List<Map<String, Object>> STABLE_CANARY =
            List.of(route("stable", 95.0), route("canary", 5.0));

    @Test
    void split_parsesRoutesAttributeHeaderAndValues() {
        PolicyConfig c = ok(split(Map.of("attribute", "track", "routes", STABLE_CANARY,
                "header", "x-canary", "values", Map.of("1", "canary", "0", "stable"))));
        SplitConfig s = c.split();
        assertEquals(List.of("stable", "canary"), s.names());
        assertEquals(95, s.weight(0));
        assertEquals(5, s.weight(1));
        assertEquals("track", s.attribute());
        assertEquals("x-canary", s.header().name());
        assertEquals(1, s.routeOfHeaderValue("1"));
        assertEquals(0, s.routeOfHeaderValue("0"));
        assertEquals(-1, s.routeOfHeaderValue("canary"), "with values, only they route");
        assertEquals(-1, s.routeOfHeaderValue("2"));
    }

    @Test
    void split_defaults_attributeRouteAndNoHeader() {
        SplitConfig s = ok(split(Map.of("routes", STABLE_CANARY))).split();
        assertEquals("route", s.attribute());
        assertNull(s.header());
        assertEquals(-1, s.routeOfHeaderValue("canary"));
        assertNull(ok(Map.of()).split(), "no split unless configured");
    }

    @Test
    void split_headerWithoutValues_routesByRouteName() {
        SplitConfig s = ok(split(Map.of("routes", STABLE_CANARY, "header", "x-track")))
                .split();
        assertEquals(1, s.routeOfHeaderValue("canary"));
        assertEquals(0, s.routeOfHeaderValue("stable"));
        assertEquals(-1, s.routeOfHeaderValue("1"));
    }

    @Test
    void split_endpointWithoutOrWithUnknownAttribute_joinsTheFirstRoute() {
        SplitConfig s = ok(split(Map.of("attribute", "track", "routes", STABLE_CANARY)))
                .split();
        io.lbkit.Endpoint plain = io.lbkit.Endpoint.of("10.0.0.1", 1);
        io.lbkit.Endpoint canary = io.lbkit.Endpoint.builder("10.0.0.2", 1)
                .attribute("track", "canary").build();
        io.lbkit.Endpoint unknown = io.lbkit.Endpoint.builder("10.0.0.3", 1)
                .attribute("track", "beta").build();
        io.lbkit.Endpoint otherAttribute = io.lbkit.Endpoint.builder("10.0.0.4", 1)
                .attribute("route", "canary").build();
        assertEquals(0, s.routeOf(plain));
        assertEquals(1, s.routeOf(canary));
        assertEquals(0, s.routeOf(unknown));
        assertEquals(0, s.routeOf(otherAttribute));
    }

    @Test
    void split_weightOutOfRange_isRejectedWithPathAndRange() {
        String msg = error(split(Map.of("routes", List.of(route("stable", 1.0), route("canary", -1.0)))));
        assertTrue(msg.contains("\"split.routes[1].weight\" must be in 0..1000000, was -1"), msg);
        msg = error(split(Map.of("routes", List.of(route("stable", 1_000_001.0)))));
        assertTrue(msg.contains("\"split.routes[0].weight\" must be in 0..1000000, was 1000001"),
                msg);
        msg = error(split(Map.of("routes", List.of(route("stable", 2.5)))));
        assertTrue(msg.contains("split.routes[0].weight") && msg.contains("whole number"), msg);
        msg = error(split(Map.of("routes", List.of(route("stable", "95")))));
        assertTrue(msg.contains("split.routes[0].weight") && msg.contains("whole number"), msg);
    }

    @Test
    void split_allWeightsZero_isRejected() {
        String msg = error(split(Map.of("routes", List.of(route("stable", 0.0), route("canary", 0.0)))));
        assertTrue(msg.contains("split.routes") && msg.contains("positive"), msg);
        assertNotNull(ok(split(Map.of("routes", List.of(route("stable", 1.0), route("canary", 0.0))))));
    }

    @Test
    void split_routesMissingEmptyTooManyOrNotAList_areRejectedWithTheRange() {
        String msg = error(split(Map.of()));
        assertTrue(msg.contains("\"split.routes\" is required"), msg);
        msg = error(split(Map.of("routes", List.of())));
        assertTrue(msg.contains("\"split.routes\" must be a list of 1..16 routes, was 0 routes"),
                msg);
        List<Map<String, Object>> many = new java.util.ArrayList<>();
        for (int i = 0; i < 17; i++) {
            many.add(route("r" + i, 1.0));
        }
        msg = error(split(Map.of("routes", many)));
        assertTrue(msg.contains("1..16") && msg.contains("was 17 routes"), msg);
        assertNotNull(ok(split(Map.of("routes", many.subList(0, 16)))).split());
        msg = error(split(Map.of("routes", "stable")));
        assertTrue(msg.contains("\"split.routes\" must be a list"), msg);
        msg = error(Map.of("split", List.of()));
        assertTrue(msg.contains("\"split\" must be a JSON object"), msg);
    }

    @Test
    void split_routeNamesMustBePresentNonBlankAndUnique() {
        String msg = error(split(Map.of("routes", List.of(Map.of("weight", 1.0)))));
        assertTrue(msg.contains("\"split.routes[0]\" needs a \"name\" and a \"weight\""), msg);
        msg = error(split(Map.of("routes", List.of(Map.of("name", "stable")))));
        assertTrue(msg.contains("\"split.routes[0]\" needs a \"name\" and a \"weight\""), msg);
        msg = error(split(Map.of("routes", List.of(route(" ", 1.0)))));
        assertTrue(msg.contains("\"split.routes[0].name\" must not be blank"), msg);
        msg = error(split(Map.of("routes", List.of(route("a", 1.0), route("b", 1.0), route("a", 1.0)))));
        assertTrue(msg.contains("\"split.routes[2].name\" must be unique") && msg.contains("[0]"),
                msg);
        msg = error(split(Map.of("routes", List.of(route("a", 1.0), "b"))));
        assertTrue(msg.contains("\"split.routes[1]\" must be a JSON object"), msg);
    }

    @Test
    void split_unknownFields_areRejectedNamingTheFields() {
        String msg = error(split(Map.of("routes", STABLE_CANARY, "headers", "x")));
        assertTrue(msg.contains("\"split.headers\"") && msg.contains("attribute"), msg);
        Map<String, Object> r = route("stable", 1.0);
        r.put("percent", 5.0);
        msg = error(split(Map.of("routes", List.of(r))));
        assertTrue(msg.contains("\"split.routes[0].percent\"") && msg.contains("weight"), msg);
    }

    @Test
    void split_attributeMustBeANonBlankString() {
        String msg = error(split(Map.of("routes", STABLE_CANARY, "attribute", "")));
        assertTrue(msg.contains("\"split.attribute\" must not be blank"), msg);
        msg = error(split(Map.of("routes", STABLE_CANARY, "attribute", 1.0)));
        assertTrue(msg.contains("\"split.attribute\" must be a string"), msg);
    }

    @Test
    void split_headerMustBeAValidTextHeader() {
        String msg = error(split(Map.of("routes", STABLE_CANARY, "header", "x-canary-bin")));
        assertTrue(msg.contains("\"split.header\"") && msg.contains("-bin"), msg);
        msg = error(split(Map.of("routes", STABLE_CANARY, "header", "bad header")));
        assertTrue(msg.contains("\"split.header\""), msg);
        msg = error(split(Map.of("routes", STABLE_CANARY, "header", 1.0)));
        assertTrue(msg.contains("\"split.header\" must be a string"), msg);
    }

    @Test
    void split_valuesMustNameRoutesAndNeedAHeader() {
        String msg = error(split(Map.of("routes", STABLE_CANARY, "header", "x-canary",
                "values", Map.of("1", "canry"))));
        assertTrue(msg.contains("\"split.values.1\" must name a route, one of [stable, canary],"
                + " was \"canry\""), msg);
        msg = error(split(Map.of("routes", STABLE_CANARY, "values", Map.of("1", "canary"))));
        assertTrue(msg.contains("\"split.values\" needs \"split.header\""), msg);
        msg = error(split(Map.of("routes", STABLE_CANARY, "header", "x-canary",
                "values", Map.of("1", 2.0))));
        assertTrue(msg.contains("\"split.values.1\" must be a string"), msg);
        msg = error(split(Map.of("routes", STABLE_CANARY, "header", "x-canary", "values", "1")));
        assertTrue(msg.contains("\"split.values\" must be a JSON object"), msg);
    }

    @Test
    void hashHeader_isAllowedWithASplitWhateverTheStrategy() {
        PolicyConfig c = ok(Map.of("strategy", "least_request", "hashHeader", "x-user",
                "split", Map.of("routes", STABLE_CANARY)));
        assertEquals("x-user", c.hashHeader().name());
    }

    @Test
    void configsDifferingInSplitWeightsOnly_keepTheBalancers() {
        PolicyConfig a = ok(split(Map.of("routes", STABLE_CANARY, "header", "x-canary")));
        PolicyConfig b = ok(split(Map.of("routes", List.of(route("stable", 50.0),
                route("canary", 50.0)), "header", "x-canary")));
        PolicyConfig renamed = ok(split(Map.of("routes", List.of(route("stable", 50.0),
                route("beta", 50.0)), "header", "x-canary")));
        PolicyConfig otherHeader = ok(split(Map.of("routes", STABLE_CANARY, "header", "x-track")));
        assertFalse(a.equals(b));
        assertTrue(a.sameBalancers(b));
        assertFalse(b.sameBalancers(renamed));
        assertFalse(a.sameBalancers(otherHeader));
        assertFalse(a.sameBalancers(ok(Map.of())));
        assertFalse(ok(Map.of()).sameBalancers(null));
        assertTrue(ok(Map.of()).sameBalancers(ok(Map.of())));
        assertTrue(ok(Map.of("localZone", "a")).sameBalancers(ok(Map.of("localZone", "b"))));
        assertTrue(ok(Map.of("localZone", "a")).sameBalancers(ok(Map.of())));
        assertEquals("a", ok(Map.of("localZone", "a")).localZone());
        assertFalse(ok(Map.of("localZone", "a")).sameBalancers(
                ok(Map.of("localZone", "a", "strategy", "random"))));
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
