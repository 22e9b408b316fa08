package io.lbkit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lbkit+dns:} and {@code lbkit+srv:} targets against a real dnsmasq on 127.0.0.1 and
 * real grpc servers: records changed in DNS reach the channel (TTL 1 s).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DnsTargetsIntegrationTest {

    private static final Duration CALL_DEADLINE = Duration.ofSeconds(10);
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T t) {
        closeables.add(t);
        return t;
    }

    private ManagedChannel channel(String target, String strategy) {
        ManagedChannel ch = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                .defaultServiceConfig(Map.of("loadBalancingConfig",
                        List.of(Map.of("lbkit", Map.of("strategy", strategy)))))
                .build();
        closeables.add(() -> {
            ch.shutdownNow();
            ch.awaitTermination(5, TimeUnit.SECONDS);
        });
        return ch;
    }

    /** Calls until {@code condition} holds. */
    private static void callUntil(ManagedChannel ch, String what,
            java.util.function.BooleanSupplier condition) throws InterruptedException {
        EchoServers.await(what, WAIT, () -> {
            EchoServers.call(ch, CALL_DEADLINE);
            return condition.getAsBoolean();
        });
    }

    @Test
    void aRecords_addedAndRemovedInDns_reachTheChannel() throws Exception {
        EchoServers s = closing(EchoServers.onLoopbackAddresses(3));
        LocalDnsmasq dns = closing(new LocalDnsmasq(dir));
        dns.hosts("127.0.0.1 orders.test", "127.0.0.2 orders.test").start();
        int port = s.get(0).port;
        ManagedChannel ch = channel(
                "lbkit+dns://127.0.0.1:" + dns.port() + "/orders.test:" + port, "round_robin");
        assertEquals("orders.test:" + port, ch.authority());

        callUntil(ch, "both resolved servers to answer",
                () -> s.get(0).calls.get() > 0 && s.get(1).calls.get() > 0);
        assertEquals(0, s.get(2).calls.get(), "127.0.0.3 is not in DNS yet");

        dns.hosts("127.0.0.1 orders.test", "127.0.0.2 orders.test", "127.0.0.3 orders.test");
        callUntil(ch, "the added address to answer", () -> s.get(2).calls.get() > 0);

        dns.hosts("127.0.0.2 orders.test", "127.0.0.3 orders.test");
        int[] quiet = {0};
        int[] seen = {s.get(0).calls.get()};
        callUntil(ch, "the removed address to get no calls", () -> {
            int now = s.get(0).calls.get();
            quiet[0] = now == seen[0] ? quiet[0] + 1 : 0;
            seen[0] = now;
            return quiet[0] >= 40; // round robin over three would have sent it 13
        });
    }

    @Test
    void srvRecords_weightsAndPorts_reachTheChannel() throws Exception {
        EchoServers s = closing(new EchoServers(3)); // 127.0.0.1, three ports
        LocalDnsmasq dns = closing(new LocalDnsmasq(dir));
        dns.hosts("127.0.0.1 a.test")
                .srv("_grpc._tcp.orders.test,a.test," + s.get(0).port + ",0,1",
                        "_grpc._tcp.orders.test,a.test," + s.get(1).port + ",0,3")
                .start();
        ManagedChannel ch = channel(
                "lbkit+srv://127.0.0.1:" + dns.port() + "/_grpc._tcp.orders.test",
                "weighted_round_robin");
        assertEquals("orders.test", ch.authority());
        callUntil(ch, "both SRV targets to answer",
                () -> s.get(0).calls.get() > 0 && s.get(1).calls.get() > 0);

        s.resetCounts();
        for (int i = 0; i < 400; i++) {
            EchoServers.call(ch, CALL_DEADLINE);
        }
        assertEquals(100, s.get(0).calls.get(), "SRV weight 1 of 4");
        assertEquals(300, s.get(1).calls.get(), "SRV weight 3 of 4");
        assertEquals(0, s.get(2).calls.get());

        dns.srv("_grpc._tcp.orders.test,a.test," + s.get(0).port + ",0,1",
                "_grpc._tcp.orders.test,a.test," + s.get(1).port + ",0,3",
                "_grpc._tcp.orders.test,a.test," + s.get(2).port + ",0,1");
        callUntil(ch, "the added SRV target to answer", () -> s.get(2).calls.get() > 0);
    }

    @Test
    void malformedDnsTargets_failTheBuildNamingTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> channel("lbkit+dns:///orders.test:http", "round_robin"));
        assertTrue(e.getMessage().contains("port"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> channel("lbkit+srv:///orders.test", "round_robin"));
        assertTrue(e.getMessage().contains("lbkit+srv:///orders.test"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> channel("lbkit+dns://ns.example/orders.test:1", "round_robin"));
        assertTrue(e.getMessage().contains("IP address"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, // hex letters only: still a name
                () -> channel("lbkit+dns://cafe/orders.test:1", "round_robin"));
        assertTrue(e.getMessage().contains("IP address"), e.getMessage());
    }

    /** Issue 14: "lbkit target ...: lbkit target ...: the nameserver must be an IP address". */
    @Test
    void dnsTargetWithANamedNameserver_namesTheTargetOnce() {
        for (String target : List.of("lbkit+dns://localhost:54259/orders.test:1",
                "lbkit+srv://localhost/_grpc._tcp.orders.test")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> channel(target, "round_robin"));
            assertEquals("lbkit target " + target + ": the nameserver must be an IP address,"
                    + " was localhost", e.getMessage());
        }
    }

    @Test
    void srvAuthority_isTheDomainWithoutServiceLabels() {
        assertEquals("orders.internal", DnsTargets.srvAuthority("_grpc._tcp.orders.internal."));
        assertEquals("orders.internal", DnsTargets.srvAuthority("_GRPC._TCP.Orders.Internal"));
    }
}
