package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.EndpointGroup;
import io.lbkit.testing.FakeScheduler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DnsEndpointGroupBuilderTest {

    private static final InetSocketAddress NS = new InetSocketAddress("127.0.0.1", 5353);

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "a..b", "-bad char!.test", "Ünïcode.test", "a b.test",
        "10.0.0.1", "::1", "[::1]", "trailing.dots.."})
    void builder_rejectsInvalidHost(String host) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DnsEndpointGroup.builder(host, 80));
        assertTrue(e.getMessage().startsWith("host "), e.getMessage());
    }

    @Test
    void builder_rejectsLabelLongerThan63AndNameLongerThan253() {
        assertMessage(() -> DnsEndpointGroup.builder("a".repeat(64) + ".test", 80),
                "labels of 1..63");
        String longName = ("a".repeat(50) + ".").repeat(5) + "test"; // 259 characters
        assertMessage(() -> DnsEndpointGroup.builder(longName, 80), "at most 253");
    }

    @Test
    void builder_acceptsTrailingDotUnderscoreAndHyphen_andQueriesTheNameWithoutTheDot() {
        FakeScheduler clock = new FakeScheduler();
        try (DnsEndpointGroup g = DnsEndpointGroup.builder("my_svc-1.example.com.", 80)
                .nameservers(NS).scheduler(clock).ticker(clock).build()) {
            assertEquals("DnsEndpointGroup[my_svc-1.example.com:80]", g.toString());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65_536})
    void builder_rejectsPortOutOfRange(int port) {
        assertMessage(() -> DnsEndpointGroup.builder("svc.test", port), "port must be in 1..65535");
    }

    @ParameterizedTest
    @ValueSource(strings = {"svc.test", "_http.svc", "_http.tcp.svc.test", "http._tcp.svc.test",
        "_._tcp.svc.test", "_http._tcp"})
    void srvBuilder_rejectsNamesNotOfServiceProtoForm(String name) {
        assertMessage(() -> DnsEndpointGroup.srvBuilder(name), "_service._proto.name");
    }

    @Test
    void nameservers_rejectsEmptyUnresolvedAndPortZero() {
        assertMessage(() -> DnsEndpointGroup.builder("svc.test", 80).nameservers(List.of()),
                "at least one");
        assertMessage(() -> DnsEndpointGroup.builder("svc.test", 80)
                .nameservers(InetSocketAddress.createUnresolved("dns.example", 53)),
                "must be IP addresses");
        assertMessage(() -> DnsEndpointGroup.builder("svc.test", 80)
                .nameservers(new InetSocketAddress("127.0.0.1", 0)), "1..65535");
    }

    @Test
    void durations_rejectZeroNegativeAndHuge() {
        DnsEndpointGroup.Builder b = DnsEndpointGroup.builder("svc.test", 80);
        assertMessage(() -> b.minTtl(Duration.ZERO), "minTtl must be in 1 ms..1 day");
        assertMessage(() -> b.maxTtl(Duration.ofDays(2)), "maxTtl must be in 1 ms..1 day");
        assertMessage(() -> b.queryTimeout(Duration.ofMillis(-5)),
                "queryTimeout must be in 1 ms..1 day");
        assertMessage(() -> b.initialBackoff(Duration.ZERO), "initialBackoff must be in");
        assertMessage(() -> b.maxBackoff(Duration.ofDays(3)), "maxBackoff must be in");
    }

    @Test
    void refreshTimeoutAndMaxSrvTargets_areValidated() {
        assertMessage(() -> DnsEndpointGroup.builder("svc.test", 80).refreshTimeout(Duration.ZERO),
                "refreshTimeout must be in 1 ms..1 day");
        assertMessage(() -> DnsEndpointGroup.srvBuilder("_http._tcp.svc.test").maxSrvTargets(0),
                "maxSrvTargets must be in 1..4096, was 0");
        assertMessage(() -> DnsEndpointGroup.srvBuilder("_http._tcp.svc.test").maxSrvTargets(4097),
                "maxSrvTargets must be in 1..4096, was 4097");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DnsEndpointGroup.builder("svc.test", 80).maxSrvTargets(10));
        assertTrue(e.getMessage().contains("SRV groups only"), e.getMessage());
        DnsEndpointGroup.Builder b = DnsEndpointGroup.srvBuilder("_http._tcp.svc.test")
                .maxSrvTargets(10);
        assertEquals("maxSrvTargets was already set to 10",
                assertThrows(IllegalStateException.class, () -> b.maxSrvTargets(11)).getMessage());
    }

    @Test
    void build_rejectsMinTtlAboveMaxTtl() {
        assertMessage(() -> DnsEndpointGroup.builder("svc.test", 80).nameservers(NS)
                .minTtl(Duration.ofMinutes(10)).build(), "minTtl (PT10M) must not exceed maxTtl (PT5M)");
    }

    @Test
    void build_rejectsInitialBackoffAboveMaxBackoff() {
        assertMessage(() -> DnsEndpointGroup.builder("svc.test", 80).nameservers(NS)
                .initialBackoff(Duration.ofMinutes(1)).build(),
                "initialBackoff (PT1M) must not exceed maxBackoff (PT30S)");
    }

    @Test
    void options_canBeSetOnlyOnce() {
        DnsEndpointGroup.Builder b = DnsEndpointGroup.builder("svc.test", 80)
                .minTtl(Duration.ofSeconds(2))
                .allowEmpty(true)
                .addressFamilies(AddressFamilies.IPV6_FIRST)
                .nameservers(NS);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.minTtl(Duration.ofSeconds(3)));
        assertEquals("minTtl was already set to PT2S", e.getMessage());
        assertThrows(IllegalStateException.class, () -> b.allowEmpty(false));
        assertThrows(IllegalStateException.class,
                () -> b.addressFamilies(AddressFamilies.IPV4_ONLY));
        assertThrows(IllegalStateException.class, () -> b.nameservers(NS));
    }

    @Test
    void endpointGroupFactories_validateTheirArguments() {
        assertMessage(() -> EndpointGroup.dns("bad name", 80), "host ");
        assertMessage(() -> EndpointGroup.dns("svc.test", 0), "port");
        assertMessage(() -> EndpointGroup.dnsSrv("svc.test"), "_service._proto.name");
    }

    @Test
    void build_withDefaults_startsAndCloses() {
        FakeScheduler clock = new FakeScheduler();
        DnsEndpointGroup g = DnsEndpointGroup.srvBuilder("_http._tcp.svc.test").nameservers(NS)
                .scheduler(clock).ticker(clock).build();
        assertEquals("DnsEndpointGroup[SRV _http._tcp.svc.test]", g.toString());
        assertEquals(1, clock.pendingDelays().size(), "first resolution is scheduled at once");
        g.close();
        assertEquals(List.of(), clock.pendingDelays());
    }

    private static void assertMessage(Executable e, String part) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), x.getMessage());
    }
}
