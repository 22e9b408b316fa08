package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DNS groups against a scripted nameserver on 127.0.0.1 that gives answers dnsmasq cannot be
 * made to give: names with any octets, NXDOMAIN with records, REFUSED for one record type,
 * targets that never answer. Real sockets, real scheduler; conditions awaited with a deadline.
 */
@Timeout(60)
class DnsHostileAnswersTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final byte[] SVC = wire("_http", "_tcp", "svc", "test");
    private static final byte[] HOST = wire("host", "test");

    private final List<DnsClientTest.ScriptedServer> servers = new ArrayList<>();
    private final List<DnsEndpointGroup> groups = new ArrayList<>();

    @AfterEach
    void stop() {
        groups.forEach(DnsEndpointGroup::close);
        servers.forEach(DnsClientTest.ScriptedServer::close);
    }

    /**
     * Answers by (question name octets, type): each entry makes the reply from the query. A name
     * with no entry gets NXDOMAIN; a type with no entry of a known name gets NOERROR, no records.
     */
    private static final class Zone implements BiFunction<byte[], Boolean, List<byte[]>> {
        final Map<String, Function<byte[], byte[]>> answers = new ConcurrentHashMap<>();
        final List<String> asked = new CopyOnWriteArrayList<>();

        Zone on(byte[] name, int type, Function<byte[], byte[]> reply) {
            answers.put(key(name, type), reply);
            answers.putIfAbsent(key(name, -1), q -> reply(q, 0));
            return this;
        }

        Zone addresses(byte[] name, int type, String... ips) {
            return on(name, type, q -> reply(q, 0, ips));
        }

        /** How many queries asked for this name and type. */
        long count(byte[] name, int type) {
            String k = key(name, type);
            return asked.stream().filter(k::equals).count();
        }

        private static String key(byte[] name, int type) {
            return HexFormat.of().formatHex(name) + "/" + type;
        }

        @Override
        public List<byte[]> apply(byte[] q, Boolean tcp) {
            byte[] name = DnsWire.questionName(q);
            int end = DnsWire.questionEnd(q);
            int type = ((q[end - 4] & 0xFF) << 8) | (q[end - 3] & 0xFF);
            asked.add(key(name, type));
            Function<byte[], byte[]> f = answers.get(key(name, type));
            if (f == null) {
                f = answers.getOrDefault(key(name, -1), x -> reply(x, 3));
            }
            byte[] r = f.apply(q);
            if (r == null) {
                return List.of(); // silent
            }
            if (!tcp && r.length > DnsClient.UDP_PAYLOAD_SIZE) {
                byte[] header = DnsWire.compressed().responseHeader(DnsMessage.peekId(q, q.length),
                        0, true, 1, 0, 0, 0).questionOf(q).toBytes();
                return List.of(header);
            }
            return List.of(r);
        }
    }

    /** A reply with the given rcode and A/AAAA records owned by the question name. */
    static byte[] reply(byte[] q, int rcode, String... ips) {
        DnsWire w = DnsWire.compressed().responseHeader(DnsMessage.peekId(q, q.length), rcode,
                false, 1, ips.length, 0, 0).questionOf(q);
        for (String ip : ips) {
            w.addressForQuestion(1, ip);
        }
        return w.toBytes();
    }

    /** An SRV reply: each target at port 8080 + i, priority 0, weight 1. */
    static byte[] srvReply(byte[] q, byte[]... targets) {
        DnsWire w = DnsWire.compressed().responseHeader(DnsMessage.peekId(q, q.length), 0,
                false, 1, targets.length, 0, 0).questionOf(q);
        for (int i = 0; i < targets.length; i++) {
            w.srvForQuestion(1, 0, 1, 8080 + i, targets[i]);
        }
        return w.toBytes();
    }

    static byte[] wire(String... labels) {
        byte[][] raw = new byte[labels.length][];
        for (int i = 0; i < labels.length; i++) {
            raw[i] = labels[i].getBytes(StandardCharsets.ISO_8859_1);
        }
        return DnsWire.wireName(raw);
    }

    private DnsClientTest.ScriptedServer serve(Zone zone) {
        DnsClientTest.ScriptedServer s = new DnsClientTest.ScriptedServer(zone);
        servers.add(s);
        return s;
    }

    private DnsEndpointGroup build(DnsEndpointGroup.Builder b) {
        DnsEndpointGroup g = b.build();
        groups.add(g);
        return g;
    }

    private static DnsEndpointGroup.Builder tuned(DnsEndpointGroup.Builder b,
            DnsClientTest.ScriptedServer s) {
        return b.nameservers(s.address())
                .minTtl(Duration.ofMillis(200))
                .queryTimeout(Duration.ofMillis(500))
                .initialBackoff(Duration.ofMillis(100))
                .maxBackoff(Duration.ofMillis(400));
    }

    private static List<String> hosts(DnsEndpointGroup g) {
        return g.endpoints().stream().map(Endpoint::host).sorted().collect(Collectors.toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "a\\b", "a b", "\u0001x", "x\u007f", "\u00ff", "\\065", "a.",
        "."})
    void srvTargetWithAnOctetThatNeedsEscapingInALabel_isResolved(String label) throws Exception {
        byte[] target = wire(label, "test");
        Zone zone = new Zone()
                .on(SVC, DnsMessage.TYPE_SRV, q -> srvReply(q, target))
                .addresses(target, DnsMessage.TYPE_A, "127.0.0.7");
        DnsEndpointGroup g = build(tuned(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test"),
                serve(zone)).addressFamilies(AddressFamilies.IPV4_ONLY));
        assertEquals(List.of(Endpoint.of("127.0.0.7", 8080)),
                g.whenReady().get(10, TimeUnit.SECONDS));
        assertTrue(zone.count(target, DnsMessage.TYPE_A) >= 1, "asked for the exact octets");
    }

    @Test
    void nxdomainCarryingAnARecord_isNotAdopted() throws Exception {
        Zone zone = new Zone().on(HOST, DnsMessage.TYPE_A, q -> reply(q, 3, "127.0.0.66"));
        DnsEndpointGroup g = build(tuned(DnsEndpointGroup.builder("host.test", 80), serve(zone))
                .addressFamilies(AddressFamilies.IPV4_ONLY));
        Await.until("two NXDOMAIN answers", WAIT, () -> g.consecutiveFailures() >= 2,
                g::endpoints);
        assertFalse(g.whenReady().isDone(), "NXDOMAIN is an error: " + g.endpoints());
        assertEquals(List.of(), g.endpoints());
    }

    @Test
    void aaaaQueryRefused_keepsTheGoodAAnswer() throws Exception {
        Zone zone = new Zone().addresses(HOST, DnsMessage.TYPE_A, "127.0.0.5")
                .on(HOST, DnsMessage.TYPE_AAAA, q -> reply(q, 5));
        DnsEndpointGroup g = build(tuned(DnsEndpointGroup.builder("host.test", 80), serve(zone)));
        assertEquals(List.of(Endpoint.of("127.0.0.5", 80)), g.whenReady().get(10, TimeUnit.SECONDS));
    }

    @Test
    void srvTargetThatStartsFailing_keepsItsLastGoodAddresses_whileTheOthersUpdate()
            throws Exception {
        byte[] t1 = wire("t1", "test");
        byte[] t2 = wire("t2", "test");
        Zone zone = new Zone()
                .on(SVC, DnsMessage.TYPE_SRV, q -> srvReply(q, t1, t2))
                .addresses(t1, DnsMessage.TYPE_A, "127.0.0.10")
                .addresses(t2, DnsMessage.TYPE_A, "127.0.0.20");
        DnsEndpointGroup g = build(tuned(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test"),
                serve(zone)).addressFamilies(AddressFamilies.IPV4_ONLY));
        g.whenReady().get(10, TimeUnit.SECONDS);
        assertEquals(List.of("127.0.0.10", "127.0.0.20"), hosts(g));

        zone.on(t2, DnsMessage.TYPE_A, q -> reply(q, 2)); // SERVFAIL from now on
        zone.addresses(t1, DnsMessage.TYPE_A, "127.0.0.11");
        Await.until("t1's new address adopted, t2's last good one kept", WAIT,
                () -> hosts(g).equals(List.of("127.0.0.11", "127.0.0.20")), () -> hosts(g));
        assertEquals(0, g.consecutiveFailures(), "a partial answer is not a failed resolution");
    }

    @Test
    void srvTargetThatNeverAnswered_isLeftOut_andTheGoodTargetsAreAdopted() throws Exception {
        byte[] t1 = wire("t1", "test");
        byte[] t2 = wire("t2", "test");
        Zone zone = new Zone()
                .on(SVC, DnsMessage.TYPE_SRV, q -> srvReply(q, t1, t2))
                .addresses(t1, DnsMessage.TYPE_A, "127.0.0.10")
                .on(t2, DnsMessage.TYPE_A, q -> reply(q, 2));
        DnsEndpointGroup g = build(tuned(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test"),
                serve(zone)).addressFamilies(AddressFamilies.IPV4_ONLY));
        assertEquals(List.of(Endpoint.of("127.0.0.10", 8080)),
                g.whenReady().get(10, TimeUnit.SECONDS));
    }

    @Test
    void srvTargetsWhoseLookupsAllFail_failTheResolution_andKeepTheLastGoodSet() throws Exception {
        byte[] t1 = wire("t1", "test");
        Zone zone = new Zone()
                .on(SVC, DnsMessage.TYPE_SRV, q -> srvReply(q, t1))
                .addresses(t1, DnsMessage.TYPE_A, "127.0.0.10");
        DnsEndpointGroup g = build(tuned(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test"),
                serve(zone)).addressFamilies(AddressFamilies.IPV4_ONLY));
        g.whenReady().get(10, TimeUnit.SECONDS);
        zone.on(t1, DnsMessage.TYPE_A, q -> reply(q, 2));
        Await.until("failures counted", WAIT, () -> g.consecutiveFailures() >= 2, g::endpoints);
        assertEquals(List.of("127.0.0.10"), hosts(g));
    }

    @Test
    void srvTargets_areQueriedConcurrently() throws Exception {
        // 16 targets that never answer and a good one, 500 ms query timeout: one after the
        // other, the first resolution would take 8 s; 8 at a time, two waves of 500 ms
        byte[][] targets = new byte[17][];
        Zone zone = new Zone();
        for (int i = 0; i < 16; i++) {
            targets[i] = wire("t" + i, "test");
            zone.on(targets[i], DnsMessage.TYPE_A, q -> null);
        }
        targets[16] = wire("u", "test");
        zone.addresses(targets[16], DnsMessage.TYPE_A, "127.0.0.9");
        zone.on(SVC, DnsMessage.TYPE_SRV, q -> srvReply(q, targets));
        long start = System.nanoTime();
        DnsEndpointGroup g = build(tuned(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test"),
                serve(zone)).addressFamilies(AddressFamilies.IPV4_ONLY));
        List<Endpoint> ready = g.whenReady().get(10, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.println("17 SRV targets, 16 silent, resolved in " + took.toMillis() + " ms");
        assertEquals(List.of("127.0.0.9"), hosts(g), "the good target adopted: " + ready);
        assertTrue(took.compareTo(Duration.ofSeconds(4)) < 0,
                "took " + took + "; sequential queries would take 8 s");
        for (byte[] t : targets) {
            assertTrue(zone.count(t, DnsMessage.TYPE_A) >= 1, "every target asked");
        }
    }

    @Test
    void srvRefresh_endsAtTheRefreshTimeout() throws Exception {
        byte[] t1 = wire("t1", "test");
        Zone zone = new Zone()
                .on(SVC, DnsMessage.TYPE_SRV, q -> srvReply(q, t1))
                .on(t1, DnsMessage.TYPE_A, q -> null);
        DnsEndpointGroup g = build(DnsEndpointGroup.srvBuilder("_http._tcp.svc.test")
                .nameservers(serve(zone).address())
                .addressFamilies(AddressFamilies.IPV4_ONLY)
                .queryTimeout(Duration.ofSeconds(20))
                .refreshTimeout(Duration.ofMillis(500)));
        Duration took = Await.until("the resolution is cut off", WAIT,
                () -> g.consecutiveFailures() >= 1, g::endpoints);
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0,
                "took " + took + " with a 500 ms refresh timeout and a 20 s query timeout");
    }
}
