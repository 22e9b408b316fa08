package io.lbkit.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The value formats, without etcd. */
class EndpointValuesTest {

    private static Endpoint parse(String v) throws Exception {
        return EndpointValues.parse(v);
    }

    private static String reason(String v) {
        return assertThrows(EndpointValues.MalformedValueException.class, () -> parse(v)).getMessage();
    }

    private static void assertReason(String value, String fragment) {
        String r = reason(value);
        assertTrue(r.contains(fragment), () -> value + " -> " + r);
    }

    @Test
    void namingApi_goEndpointsManagerValue() throws Exception {
        assertEquals(Endpoint.of("10.0.0.1", 50051),
                parse("{\"Op\":0,\"Addr\":\"10.0.0.1:50051\",\"Metadata\":null}"));
    }

    @Test
    void namingApi_membersMatchIgnoringCase_asGoDecodes() throws Exception {
        assertEquals(Endpoint.of("10.0.0.1", 50051), parse("{\"addr\":\"10.0.0.1:50051\"}"));
    }

    @Test
    void metadata_objectBecomesAttributes_otherValuesBecomeOneAttribute() throws Exception {
        Endpoint e = parse("{\"Addr\":\"h:1\",\"Metadata\":{\"v\":\"2\",\"n\":3,\"b\":true,\"o\":{\"x\":1},\"z\":null}}");
        assertEquals(Map.of("v", "2", "n", "3", "b", "true", "o", "{\"x\":1}"), e.attributes());
        assertEquals(Map.of("metadata", "az-1"), parse("{\"Addr\":\"h:1\",\"Metadata\":\"az-1\"}").attributes());
        assertEquals(Map.of("metadata", "[1,2]"), parse("{\"Addr\":\"h:1\",\"Metadata\":[1,2]}").attributes());
    }

    @Test
    void lbkitMembers() throws Exception {
        Endpoint e = parse("{\"Addr\":\"[2001:db8::1]:8080\",\"weight\":9,\"zone\":\"a\",\"region\":\"r\",\"priority\":2}");
        assertEquals(Endpoint.builder("2001:db8::1", 8080).weight(9).zone("a").region("r").priority(2).build(), e);
    }

    @Test
    void bareHostPort() throws Exception {
        assertEquals(Endpoint.of("orders-1.internal", 80), parse(" orders-1.internal:80\n"));
        assertEquals(Endpoint.of("::1", 80), parse("[::1]:80"));
    }

    @Test
    void encode_roundTrips_andIsANamingApiValue() throws Exception {
        Endpoint e = Endpoint.builder("10.0.0.7", 8080).weight(3).zone("z").region("r").priority(1)
                .attribute("version", "v2").build();
        String v = EndpointValues.encode(e, false);
        assertTrue(v.startsWith("{\"Op\":0,\"Addr\":\"10.0.0.7:8080\",\"Metadata\":{\"version\":\"v2\"}"), v);
        assertEquals(e, parse(v));
        assertEquals("{\"Op\":0,\"Addr\":\"10.0.0.7:8080\",\"Metadata\":null}",
                EndpointValues.encode(Endpoint.of("10.0.0.7", 8080), false));
        Endpoint draining = parse(EndpointValues.encode(e, true));
        assertTrue(EndpointValues.isDraining(draining));
        assertFalse(EndpointValues.isDraining(e));
    }

    @Test
    void malformed_reasonsNameTheProblem() {
        assertReason("", "empty");
        assertReason("{\"Addr\":", "not JSON");
        assertReason("[1]", "host:port");
        assertReason("{\"Metadata\":1}", "no string member \"Addr\"");
        assertReason("{\"Addr\":5}", "no string member \"Addr\"");
        assertReason("{\"Addr\":\"h\"}", "no port");
        assertReason("{\"Addr\":\"h:x\"}", "not a number");
        assertReason("{\"Addr\":\"h:0\"}", "port must be in 1..65535");
        assertReason("{\"Addr\":\"::1:80\"}", "brackets");
        assertReason("{\"Addr\":\"h:1\",\"weight\":0}", "weight must be in 1..65535");
        assertReason("{\"Addr\":\"h:1\",\"weight\":1.5}", "\"weight\" must be an integer");
        assertReason("{\"Addr\":\"h:1\",\"priority\":900}", "priority must be in 0..127");
        assertReason("{\"Addr\":\"h:1\",\"zone\":7}", "\"zone\" must be a string");
        assertReason("{\"Addr\":\"h:1\",\"zone\":\" \"}", "zone must not be blank");
        assertReason("{\"Addr\":\"h:1\",\"Op\":\"add\"}", "\"Op\" must be a number");
        assertReason("{\"Addr\":\"http://h:1\"}", "without a scheme");
        assertReason("{\"Addr\":\"h/x:1\"}", "host must be a host name");
    }

    @Test
    void quote_escapesAndTruncates() {
        assertEquals("\"a\\\"b\\\\c\\u001b[0m\\u00e9\"", Json.quote("a\"b\\c\u001b[0m\u00e9"));
        String q = Json.quote("x".repeat(500));
        assertTrue(q.endsWith("\"...(380 more chars)"), q);
        assertEquals(Json.MAX_QUOTED + 2 + "...(380 more chars)".length(), q.length());
    }

    @Test
    void prefixEnd_coversThePrefix() {
        assertEquals("/a0", new String(Json.prefixEnd("/a/".getBytes())));
        assertEquals(1, Json.prefixEnd(new byte[] {(byte) 0xff}).length);
        assertEquals(0, Json.prefixEnd(new byte[] {(byte) 0xff})[0]);
        byte[] end = Json.prefixEnd(new byte[] {1, (byte) 0xff});
        assertEquals(1, end.length);
        assertEquals(2, end[0]);
    }
}
