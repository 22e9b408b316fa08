package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS endpoint groups against a real dnsmasq on 127.0.0.1, with records and a 1 s TTL written
 * by the test. Skipped with a loud message when dnsmasq is not installed; failed when CI=true.
 */
@Timeout(60)
class DnsmasqIntegrationTest {

    private static final int TTL_SECONDS = 1;
    /** Allowed lateness beyond the TTL: one query round trip plus scheduling on a busy machine. */
    private static final Duration SLACK = Duration.ofSeconds(2);
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    @BeforeAll
    static void requireDnsmasq() {
        Dnsmasq.requireInstalled();
    }

    private static DnsEndpointGroup.Builder tuned(DnsEndpointGroup.Builder b, Dnsmasq dns) {
        return b.nameservers(dns.address())
                .minTtl(Duration.ofMillis(500))
                .queryTimeout(Duration.ofMillis(300))
                .initialBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofMillis(400));
    }

    @Test
    void addressesAddedAndRemovedInDns_appearAndLeaveWithinTtl() throws Exception {
        try (Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS,
                "127.0.0.11 svc.test\n127.0.0.12 svc.test\n2001:db8::1 svc.test\n", List.of())
                .start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.builder("svc.test", 8080), dns).build()) {
            assertEquals(List.of(Endpoint.of("127.0.0.11", 8080), Endpoint.of("127.0.0.12", 8080),
                    Endpoint.of("2001:db8:0:0:0:0:0:1", 8080)),
                    g.whenReady().get(10, TimeUnit.SECONDS), "IPv4 first, then IPv6");

            dns.setHosts("127.0.0.11 svc.test\n127.0.0.13 svc.test\n");
            dns.reload();
            Duration took = Await.until("127.0.0.13 added, 127.0.0.12 and IPv6 removed", WAIT,
                    () -> addresses(g).equals(List.of("127.0.0.11", "127.0.0.13")),
                    () -> addresses(g));
            System.out.println("DNS change visible in the group after " + took.toMillis()
                    + " ms (TTL " + TTL_SECONDS + " s)");
            assertTrue(took.compareTo(Duration.ofSeconds(TTL_SECONDS).plus(SLACK)) <= 0,
                    "change visible after " + took + ", TTL " + TTL_SECONDS + " s + slack " + SLACK);
        }
    }

    @Test
    void stoppedDnsServer_keepsLastGoodSet_andRecoveryResumesUpdates() throws Exception {
        try (Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, "127.0.0.11 svc.test\n", List.of())
                .start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.builder("svc.test", 8080), dns).build()) {
            g.whenReady().get(10, TimeUnit.SECONDS);
            dns.stop();
            Await.until("three failed refreshes", WAIT, () -> g.consecutiveFailures() >= 3,
                    g::consecutiveFailures);
            assertEquals(List.of("127.0.0.11"), addresses(g), "last good set in force");

            dns.setHosts("127.0.0.11 svc.test\n127.0.0.14 svc.test\n");
            dns.start();
            Duration took = Await.until("updates resume after recovery", WAIT,
                    () -> addresses(g).equals(List.of("127.0.0.11", "127.0.0.14")),
                    () -> addresses(g) + " failures=" + g.consecutiveFailures());
            System.out.println("updates resumed " + took.toMillis() + " ms after dnsmasq restarted");
            assertEquals(0, g.consecutiveFailures());
        }
    }

    @Test
    void nxdomain_keepsLastGoodSetByDefault() throws Exception {
        try (Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, "127.0.0.11 svc.test\n", List.of())
                .start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.builder("svc.test", 8080), dns).build()) {
            g.whenReady().get(10, TimeUnit.SECONDS);
            dns.setHosts("127.0.0.99 other.test\n");
            dns.reload();
            Await.until("NXDOMAIN answers counted", WAIT, () -> g.consecutiveFailures() >= 2,
                    g::consecutiveFailures);
            assertEquals(List.of("127.0.0.11"), addresses(g));
        }
    }

    @Test
    void srvRecords_carryWeightPriorityAndPortToEndpoints() throws Exception {
        String hosts = "127.0.0.21 t1.test\n127.0.0.22 t2.test\n2001:db8::22 t2.test\n"
                + "127.0.0.23 t3.test\n";
        try (Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, hosts, List.of(
                "_http._tcp.svc.test,t1.test,8080,10,5",
                "_http._tcp.svc.test,t2.test,8081,20,0",
                "_http._tcp.svc.test,t3.test,8082,10,7")).start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test"), dns)
                     .build()) {
            List<Endpoint> expected = List.of(
                    Endpoint.builder("127.0.0.23", 8082).weight(7).priority(0).build(),
                    Endpoint.builder("127.0.0.21", 8080).weight(5).priority(0).build(),
                    Endpoint.builder("127.0.0.22", 8081).weight(1).priority(1).build(),
                    Endpoint.builder("2001:db8:0:0:0:0:0:22", 8081).weight(1).priority(1).build());
            assertEquals(expected, g.whenReady().get(10, TimeUnit.SECONDS));

            dns.setHosts(hosts.replace("127.0.0.21 t1.test", "127.0.0.31 t1.test"));
            dns.reload();
            Await.until("SRV target address change", WAIT,
                    () -> addresses(g).contains("127.0.0.31") && !addresses(g).contains("127.0.0.21"),
                    () -> g.endpoints());
        }
    }

    @Test
    void answerTooLargeForUdp_isFetchedOverTcp() throws Exception {
        String hosts = IntStream.rangeClosed(1, 100).mapToObj(i -> "10.1.0." + i + " big.test")
                .collect(Collectors.joining("\n", "", "\n"));
        try (Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, hosts, List.of()).start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.builder("big.test", 80), dns)
                     .addressFamilies(AddressFamilies.IPV4_ONLY).build()) {
            // 100 A records need about 1,650 octets: more than the 1,232 offered over UDP
            assertEquals(100, g.whenReady().get(10, TimeUnit.SECONDS).size());
        }
    }

    @Test
    void endpointThatPersistsAcrossRefreshes_keepsItsInFlightCount() throws Exception {
        try (Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, "127.0.0.11 svc.test\n", List.of())
                .start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.builder("svc.test", 8080), dns).build();
             LoadBalancer lb = LoadBalancer.builder(g).build()) {
            g.whenReady().get(10, TimeUnit.SECONDS);
            Pick inFlight = lb.pick();
            assertEquals("127.0.0.11", inFlight.endpoint().host());

            dns.setHosts("127.0.0.11 svc.test\n127.0.0.12 svc.test\n");
            dns.reload();
            Await.until("second address joins the balancer", WAIT, () -> lb.stats().size() == 2,
                    lb::stats);
            EndpointStats kept = lb.stats().get(0);
            assertEquals("127.0.0.11", kept.endpoint().host());
            assertEquals(1, kept.inFlight(), "in-flight count survived the refresh");
            inFlight.onSuccess(1_000_000);
            assertEquals(0, lb.stats().get(0).inFlight());
            assertEquals(1, lb.stats().get(0).successes());
        }
    }

    @Test
    void unusableAddresses_areSkipped_andAnAWithItsMappedAaaaIsOneEndpoint() throws Exception {
        String hosts = "0.0.0.0 odd.test\n255.255.255.255 odd.test\n224.0.0.1 odd.test\n"
                + "ff02::1 odd.test\n127.0.0.5 odd.test\n::ffff:127.0.0.5 odd.test\n"
                + "127.0.0.6 odd.test\n::ffff:127.0.0.7 odd.test\n";
        try (Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, hosts, List.of()).start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.builder("odd.test", 80), dns).build()) {
            assertEquals(List.of(Endpoint.of("127.0.0.5", 80), Endpoint.of("127.0.0.6", 80),
                    Endpoint.of("127.0.0.7", 80)), g.whenReady().get(10, TimeUnit.SECONDS),
                    "0.0.0.0, broadcast and multicast skipped; ::ffff:127.0.0.5 is 127.0.0.5");
        }
    }

    @Test
    void srvTargetAnsweringServfail_doesNotHideTheGoodTargets() throws Exception {
        // dnsmasq forwards *.bad.test to a nameserver that answers SERVFAIL to everything
        try (DnsClientTest.ScriptedServer servfail = new DnsClientTest.ScriptedServer(
                     (q, tcp) -> List.of(DnsClientTest.withRcode(DnsClientTest.answer(q, false), 2)));
             Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, "127.0.0.21 good.test\n", List.of(
                     "_http._tcp.svc.test,good.test,8080,10,5",
                     "_http._tcp.svc.test,x.bad.test,8081,10,5"))
                     .options("--server=/bad.test/127.0.0.1#" + servfail.address().getPort())
                     .start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test"), dns)
                     .build()) {
            assertEquals(List.of(Endpoint.builder("127.0.0.21", 8080).weight(5).build()),
                    g.whenReady().get(10, TimeUnit.SECONDS));
            assertTrue(servfail.ids.size() >= 1, "the bad target was asked (via dnsmasq)");
        }
    }

    @Test
    void srvFanOut_isCappedAtMaxSrvTargets_keepingTheHighestWeights() throws Exception {
        StringBuilder hosts = new StringBuilder();
        List<String> srv = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String target = String.format("t%03d.test", i);
            hosts.append("127.0.").append(1 + i / 200).append('.').append(1 + i % 200).append(' ')
                    .append(target).append('\n');
            srv.add("_http._tcp.svc.test," + target + ",8080,10," + (i + 1));
        }
        try (Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, hosts.toString(), srv).start();
             DnsEndpointGroup g = tuned(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test"), dns)
                     .addressFamilies(AddressFamilies.IPV4_ONLY).build()) {
            List<Endpoint> ready = g.whenReady().get(20, TimeUnit.SECONDS);
            assertEquals(DnsEndpointGroup.Builder.DEFAULT_MAX_SRV_TARGETS, ready.size());
            assertEquals(300 - 128 + 1, ready.stream().mapToInt(Endpoint::weight).min().orElse(0),
                    "the 128 highest weights");
            long asked = dns.log().lines().filter(l -> l.matches(".*query\\[A\\] t\\d+\\.test .*"))
                    .map(l -> l.replaceAll(".*query\\[A\\] (t\\d+)\\.test .*", "$1"))
                    .distinct().count();
            assertTrue(asked <= 128, asked + " targets asked");
        }
    }

    @Test
    void deadFirstNameserver_isHeldDown_soRefreshesDoNotWaitForIt() throws Exception {
        try (DnsClientTest.ScriptedServer dead = new DnsClientTest.ScriptedServer((q, tcp) -> List.of());
             Dnsmasq dns = new Dnsmasq(dir, TTL_SECONDS, "127.0.0.11 svc.test\n", List.of())
                     .start();
             DnsEndpointGroup g = DnsEndpointGroup.builder("svc.test", 8080)
                     .nameservers(dead.address(), dns.address())
                     .minTtl(Duration.ofMillis(500))
                     .queryTimeout(Duration.ofSeconds(2))
                     .build()) {
            g.whenReady().get(10, TimeUnit.SECONDS);
            int askedAtStart = dead.ids.size();
            dns.setHosts("127.0.0.11 svc.test\n127.0.0.13 svc.test\n");
            dns.reload();
            Duration took = Await.until("127.0.0.13 added", WAIT,
                    () -> addresses(g).equals(List.of("127.0.0.11", "127.0.0.13")),
                    () -> addresses(g));
            System.out.println("with a dead first nameserver, a change was seen after "
                    + took.toMillis() + " ms (TTL " + TTL_SECONDS + " s)");
            assertTrue(askedAtStart <= 2, "A and AAAA of the first resolution: " + askedAtStart);
            assertEquals(askedAtStart, dead.ids.size(), "held down: not asked by the refreshes");
            assertTrue(took.compareTo(Duration.ofSeconds(TTL_SECONDS).plus(SLACK)) <= 0,
                    "change visible after " + took + ", TTL " + TTL_SECONDS + " s + slack " + SLACK);
        }
    }

    private static List<String> addresses(DnsEndpointGroup g) {
        return g.endpoints().stream().map(Endpoint::host).collect(Collectors.toList());
    }
}
