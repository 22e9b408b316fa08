package io.lbkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {

    // --- validation ---------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t", "[]", " [] "})
    void host_mustNotBeEmpty(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of(host, 80));
        assertEquals("host must not be empty", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[::1", "::1]", "orders internal", "http://orders", "orders/x",
            "user@orders", "a,b", "orders?x", "exa\u00a0mple", "x\u0000y", "a\\b", "host;x", "*",
            "host%20x", "[orders]x"})
    void host_mustBeAHostNameOrAddress(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of(host, 80));
        assertEquals("host must be a host name or IP address, without scheme, port, path or "
                + "spaces; was " + io.lbkit.internal.Quote.quote(host), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.1:8080", "orders:80"})
    void host_mustNotHoldAPort(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of(host, 80));
        assertTrue(e.getMessage().startsWith("host must not include a port"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a:b:zz", "a:b:c", "1.2.3.4:5:6", ":::::", "1::2::3", "1:2:3:4:5:6:7:8:9",
            "12345::1", "fe80::1%", "fe80::1%a b", "::1.2.3", "::256.1.1.1", "1:2:3:4:5:6:7::8:9"})
    void host_withColonsMustBeIPv6(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of(host, 80));
        assertTrue(e.getMessage().startsWith("host has colons but is not an IPv6 address")
                || e.getMessage().startsWith("host must be"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "::1,                     ::1",
        "0:0:0:0:0:0:0:1,         ::1",
        "2001:DB8:0:0:0:0:0:1,    2001:db8::1",
        "2001:db8::0:1,           2001:db8::1",
        "2001:0db8:0000:0001:0:0:0:1, 2001:db8:0:1::1",
        "2001:db8:0:0:1:0:0:1,    2001:db8::1:0:0:1",
        "1:0:2:3:4:5:6:7,         1:0:2:3:4:5:6:7",
        "::,                      ::",
        "::ffff:10.0.0.1,         ::ffff:10.0.0.1",
        "0:0:0:0:0:ffff:a00:1,    ::ffff:10.0.0.1",
        "64:ff9b::192.0.2.33,     64:ff9b::c000:221",
        "[fe80::1%eth0],          fe80::1%eth0",
    })
    void ipv6Hosts_takeTheirRfc5952Form(String given, String canonical) {
        assertEquals(canonical, Endpoint.of(given, 80).host());
        assertEquals(Endpoint.of(canonical, 80), Endpoint.of(given, 80));
    }

    @ParameterizedTest
    @ValueSource(strings = {"my_host.internal", "orders.internal.", "xn--bcher-kva.example",
            "10.0.0.1", "localhost"})
    void validHostNames_areAccepted(String host) {
        assertEquals(host.toLowerCase(java.util.Locale.ROOT), Endpoint.of(host, 80).host());
    }

    @Test
    void host_isLowerCased_soAddressesCompareAsDnsDoes() {
        assertEquals(Endpoint.of("orders.internal", 80), Endpoint.of("Orders.INTERNAL", 80));
        assertEquals("orders.internal:80", Endpoint.of("Orders.INTERNAL", 80).address());
        assertEquals("[2001:db8::a]:80", Endpoint.of("[2001:DB8::A]", 80).address());
        assertEquals("fe80::1%Eth0", Endpoint.of("FE80::1%Eth0", 80).host(),
                "an IPv6 zone id (an interface name) keeps its case");
    }

    @Test
    void host_mustNotBeNull() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Endpoint.of(null, 80));
        assertEquals("host", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 65_536, Integer.MAX_VALUE})
    void port_mustBeIn1To65535(int port) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of("10.0.0.1", port));
        assertEquals("port must be in 1..65535, was " + port, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 65_535})
    void port_acceptsItsBounds(int port) {
        assertEquals(port, Endpoint.of("10.0.0.1", port).port());
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 65_536, Integer.MAX_VALUE})
    void weight_mustBeIn1To65535(int weight) {
        IllegalArgumentException e1 = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.of("10.0.0.1", 80, weight));
        assertEquals("weight must be in 1..65535, was " + weight, e1.getMessage());
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.builder("10.0.0.1", 80).weight(weight));
        assertEquals(e1.getMessage(), e2.getMessage());
    }

    @Test
    void weight_acceptsItsBoundsAndDefaultsTo1() {
        assertEquals(1, Endpoint.of("h", 80).weight());
        assertEquals(Endpoint.MIN_WEIGHT, Endpoint.of("h", 80, 1).weight());
        assertEquals(Endpoint.MAX_WEIGHT, Endpoint.of("h", 80, 65_535).weight());
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 128, Integer.MAX_VALUE})
    void priority_mustBeIn0To127(int priority) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.builder("h", 80).priority(priority));
        assertEquals("priority must be in 0..127, was " + priority, e.getMessage());
    }

    @Test
    void priority_acceptsItsBoundsAndDefaultsTo0() {
        assertEquals(0, Endpoint.of("h", 80).priority());
        assertEquals(0, Endpoint.builder("h", 80).priority(0).build().priority());
        assertEquals(127, Endpoint.builder("h", 80).priority(127).build().priority());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t\n"})
    void zone_mustNotBeBlank(String zone) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.builder("h", 80).zone(zone));
        assertEquals("zone must not be blank", e.getMessage());
    }

    @Test
    void zone_mustNotBeNullAndIsEmptyByDefault() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Endpoint.builder("h", 80).zone(null));
        assertEquals("zone", e.getMessage());
        assertEquals(Optional.empty(), Endpoint.of("h", 80).zone());
        assertEquals(Optional.of("eu-1a"), Endpoint.builder("h", 80).zone("eu-1a").build().zone());
    }

    @Test
    void attribute_keyAndValueMustNotBeNull() {
        assertEquals("key", assertThrows(NullPointerException.class,
                () -> Endpoint.builder("h", 80).attribute(null, "v")).getMessage());
        assertEquals("value", assertThrows(NullPointerException.class,
                () -> Endpoint.builder("h", 80).attribute("k", null)).getMessage());
    }

    @Test
    void builder_rejectsEachOptionSetTwice_namingTheEarlierValue() {
        assertEquals("weight was already set to 3", assertThrows(IllegalStateException.class,
                () -> Endpoint.builder("h", 80).weight(3).weight(4)).getMessage());
        assertEquals("zone was already set to eu-1a", assertThrows(IllegalStateException.class,
                () -> Endpoint.builder("h", 80).zone("eu-1a").zone("eu-1b")).getMessage());
        assertEquals("priority was already set to 1", assertThrows(IllegalStateException.class,
                () -> Endpoint.builder("h", 80).priority(1).priority(2)).getMessage());
        assertEquals("attribute version was already set to v1",
                assertThrows(IllegalStateException.class, () -> Endpoint.builder("h", 80)
                        .attribute("version", "v1").attribute("version", "v2")).getMessage());
    }

    @Test
    void builder_rejectsTheSameValueSetTwiceToo() {
        assertThrows(IllegalStateException.class,
                () -> Endpoint.builder("h", 80).weight(1).weight(1));
    }

    @Test
    void toBuilder_startsFromTheValuesAndAllowsEachToBeSetOnceMore() {
        Endpoint e = Endpoint.builder("h", 80).weight(2).zone("z1").priority(3)
                .attribute("k", "v").build();
        assertEquals(e, e.toBuilder().build());
        Endpoint changed = e.toBuilder().weight(9).zone("z2").priority(4).build();
        assertEquals(9, changed.weight());
        assertEquals(Optional.of("z2"), changed.zone());
        assertEquals(4, changed.priority());
        assertEquals(Map.of("k", "v"), changed.attributes());
        assertEquals(e.address(), changed.address());
        assertThrows(IllegalStateException.class, () -> e.toBuilder().weight(9).weight(10));
    }

    // --- address, equality ------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource({
        "10.0.0.1, 8080, 10.0.0.1, 10.0.0.1:8080",
        "orders.internal, 80, orders.internal, orders.internal:80",
        "::1, 443, ::1, [::1]:443",
        "[::1], 443, ::1, [::1]:443",
        "' [2001:db8::7] ', 1, 2001:db8::7, [2001:db8::7]:1",
        "fe80::1%eth0, 9000, fe80::1%eth0, [fe80::1%eth0]:9000"})
    void address_isHostColonPort_withIpv6InBrackets(String given, int port, String host,
            String address) {
        Endpoint e = Endpoint.of(given, port);
        assertEquals(host, e.host());
        assertEquals(address, e.address());
    }

    @Test
    void ipv6_withAndWithoutBrackets_isTheSameEndpoint() {
        assertEquals(Endpoint.of("::1", 80), Endpoint.of("[::1]", 80));
        assertEquals(Endpoint.of("::1", 80).hashCode(), Endpoint.of("[::1]", 80).hashCode());
    }

    @Test
    void equals_comparesEveryField_whileAddressComparesHostAndPort() {
        Endpoint base = Endpoint.builder("h", 80).weight(2).zone("z").priority(1)
                .attribute("k", "v").build();
        Endpoint same = Endpoint.builder("h", 80).attribute("k", "v").priority(1).zone("z")
                .weight(2).build();
        assertEquals(base, same);
        assertEquals(base.hashCode(), same.hashCode());
        for (Endpoint other : new Endpoint[] {
                Endpoint.builder("h", 80).weight(3).zone("z").priority(1).attribute("k", "v").build(),
                Endpoint.builder("h", 80).weight(2).zone("y").priority(1).attribute("k", "v").build(),
                Endpoint.builder("h", 80).weight(2).priority(1).attribute("k", "v").build(),
                Endpoint.builder("h", 80).weight(2).zone("z").priority(2).attribute("k", "v").build(),
                Endpoint.builder("h", 80).weight(2).zone("z").priority(1).attribute("k", "w").build(),
                Endpoint.builder("h", 80).weight(2).zone("z").priority(1).build()}) {
            assertNotEquals(base, other);
            assertEquals(base.address(), other.address());
        }
        assertNotEquals(base, Endpoint.builder("h", 81).weight(2).zone("z").priority(1)
                .attribute("k", "v").build());
        assertNotEquals(base, Endpoint.builder("g", 80).weight(2).zone("z").priority(1)
                .attribute("k", "v").build());
        assertFalse(base.equals(null));
        assertFalse(base.equals("h:80"));
    }

    @Test
    void attributes_areImmutableAndDetachedFromTheBuilder() {
        Endpoint.Builder b = Endpoint.builder("h", 80).attribute("k", "v");
        Endpoint e = b.build();
        b.attribute("k2", "v2");
        assertEquals(Map.of("k", "v"), e.attributes());
        assertThrows(UnsupportedOperationException.class, () -> e.attributes().put("x", "y"));
        assertTrue(Endpoint.of("h", 80).attributes().isEmpty());
    }

    @Test
    void toString_showsAddressAndNonDefaultFields() {
        assertEquals("[::1]:80", Endpoint.of("::1", 80).toString());
        assertEquals("h:80 weight=2 zone=z priority=1 {k=v}", Endpoint.builder("h", 80).weight(2)
                .zone("z").priority(1).attribute("k", "v").build().toString());
    }
}
