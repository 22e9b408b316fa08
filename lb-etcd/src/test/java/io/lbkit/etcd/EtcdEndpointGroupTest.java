package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import io.lbkit.strategy.Strategy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** EtcdEndpointGroup against a real single-member etcd on loopback. */
@Timeout(60)
class EtcdEndpointGroupTest {

    /** The bound: a change is seen within 1 s. Asserted with slack for a loaded machine. */
    private static final Duration SEEN_WITHIN = Duration.ofSeconds(1);
    private static final Duration SLACK = Duration.ofSeconds(1);

    @TempDir
    static Path dir;
    static EtcdProcesses etcd;
    static EtcdClient client;
    private static final AtomicInteger services = new AtomicInteger();

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdProcesses.single(dir);
        client = etcd.client();
    }

    @AfterAll
    static void stopEtcd() {
        if (client != null) {
            client.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    private static String newPrefix() {
        return "/services/svc" + services.incrementAndGet() + "/";
    }

    private static String lbkitValue(int port) {
        return EndpointValues.encode(Endpoint.of("127.0.0.1", port), false);
    }

    private static List<String> addresses(List<Endpoint> endpoints) {
        return endpoints.stream().map(Endpoint::address).toList();
    }

    @Test
    void changes_areSeenWithinOneSecond() throws Exception {
        String prefix = newPrefix();
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            assertEquals(List.of(), group.whenReady().get(10, TimeUnit.SECONDS),
                    "an empty prefix is a valid answer: ready, no endpoints");
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int port = 9000 + i;
                long t0 = System.nanoTime();
                etcd.put(prefix + "127.0.0.1:" + port, lbkitValue(port));
                await("add " + port, SEEN_WITHIN.plus(SLACK),
                        () -> addresses(group.endpoints()).contains("127.0.0.1:" + port));
                millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            }
            long t0 = System.nanoTime();
            etcd.put(prefix + "127.0.0.1:9000",
                    EndpointValues.encode(Endpoint.of("127.0.0.1", 9000, 7), false));
            await("weight change", SEEN_WITHIN.plus(SLACK),
                    () -> group.endpoints().get(0).weight() == 7);
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            t0 = System.nanoTime();
            etcd.delete(prefix + "127.0.0.1:9001");
            await("delete", SEEN_WITHIN.plus(SLACK),
                    () -> !addresses(group.endpoints()).contains("127.0.0.1:9001"));
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            System.out.println("EtcdEndpointGroupTest: etcdctl write -> group snapshot, ms"
                    + " (includes starting etcdctl): " + millis);
            assertEquals(List.of("127.0.0.1:9000", "127.0.0.1:9002", "127.0.0.1:9003",
                    "127.0.0.1:9004"), addresses(group.endpoints()), "key order");
            Collections.sort(millis);
            assertTrue(millis.get(millis.size() / 2) <= SEEN_WITHIN.toMillis(),
                    "median change-to-snapshot time within 1 s: " + millis);
        }
    }

    @Test
    void initialRead_seesExistingKeys_andLbkitFields() throws Exception {
        String prefix = newPrefix();
        etcd.put(prefix + "a", "{\"Op\":0,\"Addr\":\"127.0.0.1:8001\",\"Metadata\":{\"version\":\"v2\"},"
                + "\"weight\":3,\"zone\":\"z1\",\"region\":\"r1\",\"priority\":1}");
        etcd.put(prefix + "b", "127.0.0.1:8002");
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            List<Endpoint> eps = group.whenReady().get(10, TimeUnit.SECONDS);
            assertEquals(2, eps.size(), eps::toString);
            Endpoint a = eps.get(0);
            assertEquals("127.0.0.1:8001", a.address());
            assertEquals(3, a.weight());
            assertEquals("z1", a.zone().orElseThrow());
            assertEquals("r1", a.region().orElseThrow());
            assertEquals(1, a.priority());
            assertEquals(Map.of("version", "v2"), a.attributes());
            assertEquals(Endpoint.of("127.0.0.1", 8002), eps.get(1));
        }
    }

    /** Keys written exactly as Go's endpoints.Manager and the older clientv3/naming write them. */
    @Test
    void namingApiKeys_writtenAsGoWritesThem_areDiscovered() throws Exception {
        String target = "foo/bar/my-service" + services.incrementAndGet();
        // endpoints.Manager.AddEndpoint(ctx, target+"/e1", endpoints.Endpoint{Addr: "127.0.0.1:50051"})
        etcd.etcdctl("put", target + "/e1", "{\"Op\":0,\"Addr\":\"127.0.0.1:50051\",\"Metadata\":null}");
        // the older clientv3/naming GRPCResolver.Update(naming.Update{Op: naming.Add, Addr, Metadata})
        etcd.etcdctl("put", target + "/127.0.0.1:50052",
                "{\"Op\":0,\"Addr\":\"127.0.0.1:50052\",\"Metadata\":\"az-1\"}");
        // etcd's docs: etcdctl put my-service/1.2.3.4 '{"Addr":"1.2.3.4","Metadata":"..."}' (with a port)
        etcd.etcdctl("put", target + "/[::1]:50053", "{\"Addr\":\"[::1]:50053\",\"Metadata\":\"...\"}");
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, target)) {
            assertEquals(target + "/", group.prefix(), "the target gets the naming API's '/'");
            List<Endpoint> eps = group.whenReady().get(10, TimeUnit.SECONDS);
            assertEquals(List.of("127.0.0.1:50052", "[::1]:50053", "127.0.0.1:50051"),
                    addresses(eps), "key order: 127... < [::1]... < e1");
            assertEquals(Map.of("metadata", "az-1"), eps.get(0).attributes());
            assertEquals(Map.of(), eps.get(2).attributes());
            etcd.etcdctl("put", target + "/e4", "{\"Op\":0,\"Addr\":\"127.0.0.1:50054\",\"Metadata\":null}");
            await("a Go-style add", Duration.ofSeconds(5),
                    () -> addresses(group.endpoints()).contains("127.0.0.1:50054"));
            // endpoints.Manager.DeleteEndpoint deletes the key
            etcd.etcdctl("del", target + "/e1");
            await("a Go-style delete", Duration.ofSeconds(5),
                    () -> !addresses(group.endpoints()).contains("127.0.0.1:50051"));
        }
    }

    @Test
    void malformedValues_areSkipped_andTheRestKept() throws Exception {
        String prefix = newPrefix();
        etcd.put(prefix + "good", "127.0.0.1:8101");
        etcd.put(prefix + "not-json", "{\"Addr\": ");
        etcd.put(prefix + "no-port", "{\"Addr\":\"127.0.0.1\"}");
        etcd.put(prefix + "bad-weight", "{\"Addr\":\"127.0.0.1:8102\",\"weight\":0}");
        etcd.put(prefix + "junk", "\u0007\u001b[31mhello\u001b[0m");
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            assertEquals(List.of("127.0.0.1:8101"),
                    addresses(group.whenReady().get(10, TimeUnit.SECONDS)));
            // a good key turning malformed keeps its last good endpoint; a new good key arrives
            etcd.put(prefix + "good", "{\"Addr\":\"127.0.0.1:8101\",\"weight\":\"heavy\"}");
            etcd.put(prefix + "later", "127.0.0.1:8103");
            await("the later key", Duration.ofSeconds(5),
                    () -> addresses(group.endpoints()).contains("127.0.0.1:8103"));
            assertEquals(List.of("127.0.0.1:8101", "127.0.0.1:8103"), addresses(group.endpoints()));
            // a malformed key fixed later joins
            etcd.put(prefix + "no-port", "{\"Addr\":\"127.0.0.1:8104\"}");
            await("the fixed key", Duration.ofSeconds(5),
                    () -> addresses(group.endpoints()).contains("127.0.0.1:8104"));
        }
    }

    @Test
    void duplicateAddresses_firstKeyWins() throws Exception {
        String prefix = newPrefix();
        etcd.put(prefix + "a", "{\"Addr\":\"127.0.0.1:8201\",\"weight\":2}");
        etcd.put(prefix + "b", "{\"Addr\":\"127.0.0.1:8201\",\"weight\":5}");
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            List<Endpoint> eps = group.whenReady().get(10, TimeUnit.SECONDS);
            assertEquals(1, eps.size());
            assertEquals(2, eps.get(0).weight());
            etcd.delete(prefix + "a");
            await("key b takes over", Duration.ofSeconds(5),
                    () -> group.endpoints().size() == 1 && group.endpoints().get(0).weight() == 5);
        }
    }

    @Test
    void endpointState_survivesAnUpdateThatKeepsTheAddress() throws Exception {
        String prefix = newPrefix();
        etcd.put(prefix + "a", "127.0.0.1:8301");
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix);
                LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.peakEwma()).build()) {
            group.whenReady().get(10, TimeUnit.SECONDS);
            Pick done = lb.pick();
            done.onSuccess(TimeUnit.MILLISECONDS.toNanos(40));
            Pick held = lb.pick(); // in flight across the update
            EndpointStats before = lb.stats().get(0);
            assertEquals(1, before.inFlight());
            assertTrue(before.latency().isPresent());

            etcd.put(prefix + "a", "{\"Addr\":\"127.0.0.1:8301\",\"weight\":4,\"zone\":\"z9\"}");
            await("the new weight", Duration.ofSeconds(5), () -> lb.stats().get(0).endpoint().weight() == 4);
            EndpointStats after = lb.stats().get(0);
            assertEquals("z9", after.endpoint().zone().orElseThrow());
            assertEquals(1, after.inFlight(), "in-flight count kept");
            assertEquals(before.successes(), after.successes(), "success count kept");
            assertEquals(before.latency(), after.latency(), "latency EWMA kept");
            assertEquals(before.health(), after.health(), "health kept");
            held.onSuccess(TimeUnit.MILLISECONDS.toNanos(40));
            assertEquals(0, lb.stats().get(0).inFlight());
        }
    }

    @Test
    void draining_endpointsAreLeftOut() throws Exception {
        String prefix = newPrefix();
        etcd.put(prefix + "a", "127.0.0.1:8401");
        etcd.put(prefix + "b", EndpointValues.encode(Endpoint.of("127.0.0.1", 8402), true));
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            assertEquals(List.of("127.0.0.1:8401"), addresses(group.whenReady().get(10, TimeUnit.SECONDS)));
        }
    }

    @Test
    void closedGroup_failsWhenReadyAndPublishesNothing() throws Exception {
        EtcdClient dead = EtcdClient.builder("http://127.0.0.1:1").connectTimeout(Duration.ofMillis(100))
                .build();
        EtcdEndpointGroup group = EtcdEndpointGroup.of(dead, newPrefix());
        assertThrows(Exception.class, () -> group.whenReady().get(300, TimeUnit.MILLISECONDS),
                "no etcd: not ready");
        group.close();
        assertThrows(java.util.concurrent.ExecutionException.class,
                () -> group.whenReady().get(5, TimeUnit.SECONDS));
        dead.close();
    }

    @Test
    void etcdStopped_lastGoodSetKept_picksWork_andTheGroupCatchesUp(@TempDir Path own)
            throws Exception {
        try (EtcdProcesses solo = EtcdProcesses.single(own);
                EtcdClient c = solo.client();
                EtcdEndpointGroup group = EtcdEndpointGroup.builder(c, "/services/outage/")
                        .initialBackoff(Duration.ofMillis(50))
                        .maxBackoff(Duration.ofMillis(500))
                        .build();
                LoadBalancer lb = LoadBalancer.of(group)) {
            solo.put("/services/outage/a", "127.0.0.1:8501");
            solo.put("/services/outage/b", "127.0.0.1:8502");
            await("both", Duration.ofSeconds(10), () -> group.endpoints().size() == 2);
            List<Endpoint> good = group.endpoints();

            java.util.logging.Logger log = java.util.logging.Logger.getLogger(EtcdEndpointGroup.class.getName());
            java.util.concurrent.ConcurrentLinkedQueue<String> warnings = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.logging.Handler capture = new java.util.logging.Handler() {
                @Override
                public void publish(java.util.logging.LogRecord r) {
                    if (r.getLevel() == java.util.logging.Level.WARNING) {
                        warnings.add(r.getMessage());
                    }
                }

                @Override
                public void flush() { }

                @Override
                public void close() { }
            };
            java.util.logging.Level level = log.getLevel();
            log.setLevel(java.util.logging.Level.WARNING);
            log.addHandler(capture);
            try {
                solo.member(0).kill();
                // The count rises just before each warning is logged: wait for the warnings.
                await("the group noticing the outage", Duration.ofSeconds(10),
                        () -> group.consecutiveFailures() >= 3 && warnings.stream()
                                .filter(m -> m.contains("retrying in ")).count() >= 3);
            } finally {
                log.removeHandler(capture);
                log.setLevel(level);
            }
            assertEquals(good, group.endpoints(), "the last good set stays");
            String first = warnings.stream().filter(m -> m.contains("(attempt 1)")).findFirst().orElseThrow();
            assertTrue(first.contains("keeping the last good set of 2 endpoint(s)"), first);
            assertTrue(first.matches(".*retrying in \\d+ ms"), first);
            long[] delays = warnings.stream().filter(m -> m.contains("retrying in "))
                    .mapToLong(m -> Long.parseLong(m.replaceAll(".*retrying in (\\d+) ms", "$1"))).toArray();
            assertTrue(delays.length >= 3 && delays[2] > delays[0], "backoff grows: " + java.util.Arrays.toString(delays));
            for (int i = 0; i < 100; i++) {
                Pick p = lb.pick();
                assertTrue(p.endpoint().address().startsWith("127.0.0.1:850"));
                p.onSuccess(1_000);
            }

            solo.member(0).start();
            solo.member(0).awaitHealthy(Duration.ofSeconds(20));
            solo.put("/services/outage/c", "127.0.0.1:8503");
            solo.delete("/services/outage/a");
            await("catching up after etcd returned", Duration.ofSeconds(10),
                    () -> addresses(group.endpoints()).equals(List.of("127.0.0.1:8502", "127.0.0.1:8503")));
            await("failures reset", Duration.ofSeconds(5), () -> group.consecutiveFailures() == 0);
        }
    }

    @Test
    void aListenerThrowingAnError_doesNotStopTheWatch() throws Exception {
        String prefix = newPrefix();
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix);
                LoadBalancer lb = LoadBalancer.of(group)) {
            group.whenReady().get(10, TimeUnit.SECONDS);
            AtomicInteger thrown = new AtomicInteger();
            group.subscribe(snapshot -> {
                if (!snapshot.isEmpty()) {
                    thrown.incrementAndGet();
                    throw new AssertionError("a broken listener");
                }
            });
            etcd.put(prefix + "a", "127.0.0.1:8601");
            await("the first change", Duration.ofSeconds(5), () -> lb.stats().size() == 1);
            etcd.put(prefix + "b", "127.0.0.1:8602");
            await("a change after the listener threw", Duration.ofSeconds(5), () -> lb.stats().size() == 2);
            await("the broken listener's second call", Duration.ofSeconds(5), () -> thrown.get() == 2);
        }
    }

    @Test
    void etcdRebuiltEmpty_atTheSameAddress_isReadAgain(@TempDir Path own) throws Exception {
        try (EtcdProcesses solo = EtcdProcesses.single(own);
                EtcdClient c = solo.client();
                EtcdEndpointGroup group = EtcdEndpointGroup.builder(c, "/services/rebuilt/")
                        .maxBackoff(Duration.ofMillis(500)).build()) {
            for (int i = 0; i < 5; i++) {
                solo.put("/services/rebuilt/a", "127.0.0.1:870" + i); // revisions go up
            }
            await("the last value", Duration.ofSeconds(10),
                    () -> addresses(group.endpoints()).equals(List.of("127.0.0.1:8704")));
            solo.member(0).kill();
            solo.member(0).wipe();
            solo.member(0).start();
            solo.member(0).awaitHealthy(Duration.ofSeconds(20));
            solo.put("/services/rebuilt/b", "127.0.0.1:8710"); // revision 2 of the new etcd
            await("the rebuilt etcd's keys", Duration.ofSeconds(10),
                    () -> addresses(group.endpoints()).equals(List.of("127.0.0.1:8710")));
        }
    }

    @Test
    void builder_validates() {
        assertThrows(IllegalArgumentException.class, () -> EtcdEndpointGroup.builder(client, ""));
        assertThrows(IllegalArgumentException.class, () -> EtcdEndpointGroup.builder(client, "/"));
        assertThrows(IllegalArgumentException.class, () -> EtcdEndpointGroup.builder(client, "/a\nb"));
        EtcdEndpointGroup.Builder b = EtcdEndpointGroup.builder(client, "/x/");
        b.initialBackoff(Duration.ofSeconds(2));
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> b.initialBackoff(Duration.ofSeconds(1)));
        assertTrue(twice.getMessage().contains("initialBackoff was already set to PT2S"), twice::getMessage);
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> b.maxBackoff(Duration.ZERO));
        assertTrue(range.getMessage().contains("maxBackoff must be in 1 ms..1 h"), range::getMessage);
        b.maxBackoff(Duration.ofSeconds(1));
        assertThrows(IllegalArgumentException.class, b::build, "initial > max");
    }
}
