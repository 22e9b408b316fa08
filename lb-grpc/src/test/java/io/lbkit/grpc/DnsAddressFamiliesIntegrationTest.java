package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code addressFamilies} parameter of {@code lbkit+dns:} targets, against a nameserver that
 * answers A queries and refuses AAAA queries, and a real grpc server.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsAddressFamiliesIntegrationTest {

    @RegisterExtension
    final TestResources resources = new TestResources();

    private ManagedChannel channel(String target) {
        ManagedChannel ch = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .defaultServiceConfig(Map.of("loadBalancingConfig",
                        List.of(Map.of("lbkit", Map.of()))))
                .build();
        resources.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ch;
    }

    /**
     * Issue 14: with a nameserver that refuses AAAA queries, a target had no way to ask for A
     * records only, and every call failed. {@code ?addressFamilies=ipv4_only} asks for A only.
     */
    @Test
    void aaaaRefused_ipv4OnlyTargetServesAndNeverAsksForAaaa() throws Exception {
        EchoServers s = resources.servers(1);
        RefusingNameserver ns = new RefusingNameserver(InetAddress.getByName("127.0.0.1"));
        resources.add(ns);
        ManagedChannel ch = channel("lbkit+dns://127.0.0.1:" + ns.port() + "/orders.test:"
                + s.get(0).port + "?addressFamilies=ipv4_only");
        assertEquals("orders.test:" + s.get(0).port, ch.authority());

        assertEquals("s0", EchoServers.call(ch, Duration.ofSeconds(10)));
        assertTrue(ns.aQueries.get() >= 1);
        assertEquals(0, ns.aaaaQueries.get(), "ipv4_only asks for no AAAA record");
    }

    /**
     * Issue 14: a good A answer was discarded when the AAAA query was REFUSED, so every call
     * failed after 5 s. With both families (the default), the A answer must be kept.
     *
     * <p>DEPENDS ON LB-CORE: the lookup of both families is lb-core's ({@code Lookups.addresses}
     * fails the whole resolution when one query fails); lb-grpc cannot keep the A answer through
     * lb-core's public API. This test fails until lb-core keeps the answering family's records.
     */
    @Test
    void aaaaRefused_defaultFamiliesKeepTheAAnswer() throws Exception {
        EchoServers s = resources.servers(1);
        RefusingNameserver ns = new RefusingNameserver(InetAddress.getByName("127.0.0.1"));
        resources.add(ns);
        ManagedChannel ch = channel("lbkit+dns://127.0.0.1:" + ns.port() + "/orders.test:"
                + s.get(0).port);

        assertEquals("s0", EchoServers.call(ch, Duration.ofSeconds(10)));
        assertTrue(ns.aaaaQueries.get() >= 1, "both families were asked for");
    }

    @Test
    void addressFamilies_isCaseInsensitiveAndAppliesToSrvTargets() {
        assertEquals(io.lbkit.dns.AddressFamilies.IPV6_FIRST, DnsTargets.families(
                java.net.URI.create("lbkit+dns:///a.test:1?addressFamilies=IPv6_First")).get());
        ManagedChannel ch = channel("lbkit+srv://127.0.0.1:1/_grpc._tcp.orders.test"
                + "?addressFamilies=ipv6_only");
        assertEquals("orders.test", ch.authority());
    }

    @Test
    void badQueryParameters_failTheBuildNamingTheTargetOnce() {
        for (String target : List.of("lbkit+dns:///a.test:1?addressFamilies=ipv5",
                "lbkit+dns:///a.test:1?family=ipv4",
                "lbkit+dns:///a.test:1?addressFamilies=ipv4_only&addressFamilies=ipv6_only",
                "lbkit+srv:///_grpc._tcp.a.test?addressFamilies=")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> channel(target), target);
            assertTrue(e.getMessage().contains("addressFamilies"), e.getMessage());
            assertEquals(e.getMessage().indexOf("lbkit target"),
                    e.getMessage().lastIndexOf("lbkit target"), e.getMessage());
        }
    }
}
