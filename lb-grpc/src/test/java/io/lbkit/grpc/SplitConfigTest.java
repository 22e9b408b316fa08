package io.lbkit.grpc;

import static io.lbkit.grpc.PolicyConfigTest.error;
import static io.lbkit.grpc.PolicyConfigTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code split} section of the policy's config (SplitConfig): routes, attribute, header and
 * values parsed, every malformed form rejected with its JSON path, and which changes keep the
 * balancers. The rest of the config is {@link PolicyConfigTest}.
 */
class SplitConfigTest {

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
}
