package io.lbkit.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.testing.FakeScheduler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stub resolver against a scripted nameserver on 127.0.0.1: answer matching, spoof
 * resistance, TCP fallback, failover between nameservers.
 */
@Timeout(20)
class DnsClientTest {

    private final List<ScriptedServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(ScriptedServer::close);
    }

    @Test
    void query_returnsAnswerMatchingIdAndQuestion() throws Exception {
        ScriptedServer s = server((q, tcp) -> List.of(answer(q, false, "192.0.2.1")));
        DnsMessage m = client(s).query("svc.test", DnsMessage.TYPE_A);
        assertEquals(1, m.answers().size());
    }

    @Test
    void query_ignoresRepliesWithWrongIdOrQuestionAndGarbage_thenAcceptsTheRealOne()
            throws Exception {
        ScriptedServer s = server((q, tcp) -> {
            DnsMessage query = parse(q);
            return List.of(
                    reply(query.id() ^ 1, "svc.test", DnsMessage.TYPE_A, false, "192.0.2.66"),
                    reply(query.id(), "other.test", DnsMessage.TYPE_A, false, "192.0.2.66"),
                    reply(query.id(), "svc.test", DnsMessage.TYPE_AAAA, false, "2001:db8::66"),
                    new byte[] {(byte) (query.id() >>> 8), (byte) query.id(), 1, 2, 3},
                    q.clone(), // the query itself: QR not set
                    answer(q, false, "192.0.2.1"));
        });
        DnsMessage m = client(s).query("svc.test", DnsMessage.TYPE_A);
        assertEquals(new DnsMessage.Address(InetAddress.getByName("192.0.2.1")),
                m.answers().get(0).data());
    }

    @Test
    void query_matchesQuestionIgnoringCase() throws Exception {
        ScriptedServer s = server((q, tcp) -> List.of(
                reply(parse(q).id(), "SVC.Test", DnsMessage.TYPE_A, false, "192.0.2.1")));
        assertEquals(1, client(s).query("svc.test", DnsMessage.TYPE_A).answers().size());
    }

    @Test
    void query_retriesOverTcpWhenTruncated() throws Exception {
        ScriptedServer s = server((q, tcp) -> List.of(tcp ? answer(q, false, "192.0.2.1", "192.0.2.2")
                : answer(q, true)));
        DnsMessage m = client(s).query("svc.test", DnsMessage.TYPE_A);
        assertEquals(2, m.answers().size());
        assertEquals(1, s.tcpQueries.size());
    }

    @Test
    void query_usesRandomIdsAndSourcePorts() throws Exception {
        ScriptedServer s = server((q, tcp) -> List.of(answer(q, false, "192.0.2.1")));
        DnsClient c = client(s);
        for (int i = 0; i < 8; i++) {
            c.query("svc.test", DnsMessage.TYPE_A);
        }
        assertTrue(s.ids.stream().distinct().count() >= 6, "ids " + s.ids);
        assertTrue(s.sourcePorts.stream().distinct().count() >= 6, "ports " + s.sourcePorts);
    }

    @Test
    void query_timesOutWhenNoAnswer() {
        ScriptedServer s = server((q, tcp) -> List.of());
        DnsQueryException e = assertThrows(DnsQueryException.class,
                () -> client(s).query("svc.test", DnsMessage.TYPE_A));
        assertTrue(e.getMessage().contains("no answer over UDP"), e.getMessage());
    }

    @Test
    void query_reportsIgnoredSpoofInTimeoutMessage() {
        ScriptedServer s = server((q, tcp) -> List.of(
                reply(parse(q).id() ^ 1, "svc.test", DnsMessage.TYPE_A, false, "192.0.2.66")));
        DnsQueryException e = assertThrows(DnsQueryException.class,
                () -> client(s).query("svc.test", DnsMessage.TYPE_A));
        assertTrue(e.getMessage().contains("another id"), e.getMessage());
    }

    @Test
    void query_failsOverToNextNameserverOnServfail() throws Exception {
        ScriptedServer bad = server((q, tcp) -> List.of(
                withRcode(answer(q, false), 2)));
        ScriptedServer good = server((q, tcp) -> List.of(answer(q, false, "192.0.2.1")));
        DnsClient c = new DnsClient(List.of(bad.address(), good.address()),
                Duration.ofMillis(500));
        assertEquals(1, c.query("svc.test", DnsMessage.TYPE_A).answers().size());
        assertEquals(1, bad.ids.size());
        assertEquals(List.of(bad.address(), good.address()), c.order(),
                "a server that answers SERVFAIL is alive: not held down");
    }

    @Test
    void query_returnsNxdomainAsAnAnswer() throws Exception {
        ScriptedServer s = server((q, tcp) -> List.of(withRcode(answer(q, false), 3)));
        assertEquals(DnsMessage.RCODE_NXDOMAIN,
                client(s).query("svc.test", DnsMessage.TYPE_A).rcode());
    }

    @Test
    void query_namesEveryNameserverWhenAllFail() {
        ScriptedServer a = server((q, tcp) -> List.of(withRcode(answer(q, false), 5)));
        ScriptedServer b = server((q, tcp) -> List.of(withRcode(answer(q, false), 2)));
        DnsClient c = new DnsClient(List.of(a.address(), b.address()), Duration.ofMillis(500));
        DnsQueryException e = assertThrows(DnsQueryException.class,
                () -> c.query("svc.test", DnsMessage.TYPE_A));
        assertTrue(e.getMessage().contains("REFUSED") && e.getMessage().contains("SERVFAIL"),
                e.getMessage());
    }

    @Test
    void deadFirstNameserver_isAskedLastForTheHoldDown_thenFirstAgain() throws Exception {
        ScriptedServer dead = server((q, tcp) -> List.of());
        ScriptedServer good = server((q, tcp) -> List.of(answer(q, false, "192.0.2.1")));
        FakeScheduler clock = new FakeScheduler();
        DnsClient c = new DnsClient(List.of(dead.address(), good.address()),
                Duration.ofMillis(300), clock);
        c.query("svc.test", DnsMessage.TYPE_A);
        assertEquals(1, dead.ids.size(), "the first query waits out the dead server once");
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            c.query("svc.test", DnsMessage.TYPE_A);
            assertTrue(System.nanoTime() - start < 250_000_000L, "no timeout paid again");
        }
        assertEquals(1, dead.ids.size(), "held down: asked last, so not asked at all");
        clock.advance(DnsClient.HOLD_DOWN.minusMillis(1));
        c.query("svc.test", DnsMessage.TYPE_A);
        assertEquals(1, dead.ids.size());
        clock.advance(Duration.ofMillis(1));
        c.query("svc.test", DnsMessage.TYPE_A);
        assertEquals(2, dead.ids.size(), "after the hold-down the configured order is back");
        assertEquals(List.of(good.address(), dead.address()), c.order(),
                "it failed again, so it is held down again");
    }

    @Test
    void nameserverThatAnswersAgain_isNoLongerHeldDown() throws Exception {
        AtomicBoolean up = new AtomicBoolean();
        ScriptedServer first = server((q, tcp) -> up.get() ? List.of(answer(q, false, "192.0.2.1"))
                : List.of());
        ScriptedServer second = server((q, tcp) -> List.of(answer(q, false, "192.0.2.2")));
        FakeScheduler clock = new FakeScheduler();
        DnsClient c = new DnsClient(List.of(first.address(), second.address()),
                Duration.ofMillis(300), clock);
        c.query("svc.test", DnsMessage.TYPE_A);
        assertEquals(List.of(second.address(), first.address()), c.order(), "silence holds down");
        up.set(true);
        clock.advance(DnsClient.HOLD_DOWN);
        c.query("svc.test", DnsMessage.TYPE_A);
        assertEquals(List.of(first.address(), second.address()), c.order());
    }

    private DnsClient client(ScriptedServer s) {
        return new DnsClient(List.of(s.address()), Duration.ofMillis(500));
    }

    private ScriptedServer server(BiFunction<byte[], Boolean, List<byte[]>> script) {
        ScriptedServer s = new ScriptedServer(script);
        servers.add(s);
        return s;
    }

    private static DnsMessage parse(byte[] q) {
        try {
            return DnsMessage.parse(q, q.length);
        } catch (MalformedDnsMessageException e) {
            throw new AssertionError(e);
        }
    }

    /** A reply to the query q with the given A records. */
    static byte[] answer(byte[] q, boolean truncated, String... ips) {
        DnsMessage query = parse(q);
        DnsMessage.Question question = query.questions().get(0);
        return reply(query.id(), question.name(), question.type(), truncated, ips);
    }

    static byte[] reply(int id, String name, int type, boolean truncated, String... ips) {
        DnsWire w = DnsWire.compressed().responseHeader(id, 0, truncated, 1, ips.length, 0, 0)
                .question(name, type);
        for (String ip : ips) {
            if (ip.indexOf(':') >= 0) {
                w.aaaa(name, 30, ip);
            } else {
                w.a(name, 30, ip);
            }
        }
        return w.toBytes();
    }

    static byte[] withRcode(byte[] reply, int rcode) {
        byte[] b = reply.clone();
        b[3] = (byte) ((b[3] & 0xF0) | rcode);
        return b;
    }

    /** A UDP and TCP nameserver on 127.0.0.1 that answers each query with scripted replies. */
    static final class ScriptedServer implements AutoCloseable {
        final List<Integer> ids = new CopyOnWriteArrayList<>();
        final List<Integer> sourcePorts = new CopyOnWriteArrayList<>();
        final List<Integer> tcpQueries = new CopyOnWriteArrayList<>();
        private final DatagramSocket udp;
        private final ServerSocket tcp;

        ScriptedServer(BiFunction<byte[], Boolean, List<byte[]>> script) {
            InetAddress lo = InetAddress.getLoopbackAddress();
            DatagramSocket u = null;
            ServerSocket t = null;
            for (int attempt = 0; t == null && attempt < 20; attempt++) {
                try {
                    u = new DatagramSocket(new InetSocketAddress(lo, 0));
                    t = new ServerSocket(u.getLocalPort(), 5, lo); // same port for TCP
                } catch (IOException busy) {
                    if (u != null) {
                        u.close();
                    }
                }
            }
            if (t == null) {
                throw new AssertionError("cannot bind a scripted nameserver on 127.0.0.1");
            }
            udp = u;
            tcp = t;
            Thread udpThread = new Thread(() -> serveUdp(script), "scripted-dns-udp");
            udpThread.setDaemon(true);
            udpThread.start();
            Thread tcpThread = new Thread(() -> serveTcp(script), "scripted-dns-tcp");
            tcpThread.setDaemon(true);
            tcpThread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) udp.getLocalSocketAddress();
        }

        private void serveUdp(BiFunction<byte[], Boolean, List<byte[]>> script) {
            byte[] buf = new byte[65_535];
            try {
                while (true) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udp.receive(p);
                    byte[] q = java.util.Arrays.copyOf(buf, p.getLength());
                    ids.add(DnsMessage.peekId(q, q.length));
                    sourcePorts.add(p.getPort());
                    for (byte[] r : script.apply(q, false)) {
                        udp.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
                    }
                }
            } catch (IOException closed) {
                // closed by the test
            }
        }

        private void serveTcp(BiFunction<byte[], Boolean, List<byte[]>> script) {
            try {
                while (true) {
                    try (Socket c = tcp.accept()) {
                        InputStream in = c.getInputStream();
                        int len = (in.read() << 8) | in.read();
                        byte[] q = in.readNBytes(len);
                        tcpQueries.add(DnsMessage.peekId(q, q.length));
                        OutputStream out = c.getOutputStream();
                        for (byte[] r : script.apply(q, true)) {
                            out.write(new byte[] {(byte) (r.length >>> 8), (byte) r.length});
                            out.write(r);
                        }
                        out.flush();
                    }
                }
            } catch (IOException closed) {
                // closed by the test
            }
        }

        @Override
        public void close() {
            udp.close();
            try {
                tcp.close();
            } catch (IOException e) {
                // the test is over; nothing to clean up
            }
        }
    }
}
