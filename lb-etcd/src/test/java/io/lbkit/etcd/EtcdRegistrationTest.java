package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** EtcdRegistration against a real etcd: leases, renewals, loss, draining, killed servers. */
@Timeout(60)
class EtcdRegistrationTest {

    private static final Duration TTL = Duration.ofSeconds(2); // etcd's minimum with default timing

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
        return "/services/reg" + services.incrementAndGet() + "/";
    }

    @Test
    void register_isSeenByTheGroup_andCloseRemovesIt() throws Exception {
        String prefix = newPrefix();
        Endpoint me = Endpoint.builder("127.0.0.1", 7001).weight(5).zone("z1").attribute("v", "2").build();
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            EtcdRegistration r = EtcdRegistration.builder(client, prefix, me).build();
            assertEquals(prefix + "127.0.0.1:7001", r.key());
            r.whenRegistered().get(10, TimeUnit.SECONDS);
            assertTrue(r.isRegistered());
            await("the group seeing the registration", Duration.ofSeconds(5),
                    () -> group.endpoints().equals(List.of(me)));
            long t0 = System.nanoTime();
            r.close();
            await("the group seeing the deregistration", Duration.ofSeconds(2),
                    () -> group.endpoints().isEmpty());
            System.out.println("EtcdRegistrationTest: close() -> gone from the group in "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
            assertNull(etcd.get(r.key()));
            assertTrue(!r.isRegistered());
            assertEquals(r, r.whenRegistered().get(1, TimeUnit.SECONDS), "stays completed");
        }
    }

    @Test
    void leaseLost_reRegisters() throws Exception {
        String prefix = newPrefix();
        try (EtcdRegistration r = EtcdRegistration.builder(client, prefix, Endpoint.of("127.0.0.1", 7002))
                .ttl(TTL).build()) {
            r.whenRegistered().get(10, TimeUnit.SECONDS);
            long lease = r.leaseId();
            etcd.etcdctl("lease", "revoke", Long.toHexString(lease)); // the key goes with it
            assertNull(etcd.get(r.key()));
            await("re-registration under a new lease", Duration.ofSeconds(10),
                    () -> r.leaseId() != 0 && r.leaseId() != lease);
            assertNotNull(etcd.get(r.key()));
        }
    }

    @Test
    void etcdLosingItsData_reRegisters_andRestartKeepsTheRegistration(@TempDir Path own) throws Exception {
        try (EtcdProcesses solo = EtcdProcesses.single(own);
                EtcdClient c = solo.client();
                EtcdRegistration r = EtcdRegistration.builder(c, "/services/restart/",
                        Endpoint.of("127.0.0.1", 7003)).ttl(TTL).build()) {
            r.whenRegistered().get(10, TimeUnit.SECONDS);
            long lease = r.leaseId();

            solo.member(0).kill(); // a restart with its data: the lease survives
            solo.member(0).start();
            solo.member(0).awaitHealthy(Duration.ofSeconds(20));
            assertNotNull(solo.get(r.key()));
            await("renewals resuming", Duration.ofSeconds(10), () -> r.isRegistered());

            solo.member(0).kill(); // a restart without its data: lease and key are gone
            solo.member(0).wipe();
            solo.member(0).start();
            solo.member(0).awaitHealthy(Duration.ofSeconds(20));
            await("re-registration in the new etcd", Duration.ofSeconds(10),
                    () -> r.leaseId() != 0 && r.leaseId() != lease && hasKey(solo, r.key()));
        }
    }

    private static boolean hasKey(EtcdProcesses e, String key) {
        try {
            return e.get(key) != null;
        } catch (Exception x) {
            return false;
        }
    }

    @Test
    void drain_marksDrainingFirst_thenDeletesAfterTheDrainTime() throws Exception {
        String prefix = newPrefix();
        Duration drain = Duration.ofMillis(1500);
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            EtcdRegistration r = EtcdRegistration.builder(client, prefix, Endpoint.of("127.0.0.1", 7004))
                    .ttl(TTL) // shorter than the drain: renewals must go on while draining
                    .drainTime(drain)
                    .build();
            r.whenRegistered().get(10, TimeUnit.SECONDS);
            await("registered", Duration.ofSeconds(5), () -> group.endpoints().size() == 1);
            long t0 = System.nanoTime();
            CompletableFuture<Void> closed = CompletableFuture.runAsync(r::close);
            await("the group dropping the draining endpoint", Duration.ofSeconds(2),
                    () -> group.endpoints().isEmpty());
            String value = etcd.get(r.key());
            assertNotNull(value, "the key stays while draining");
            assertTrue(value.contains("\"draining\":\"true\""), value);
            closed.get(20, TimeUnit.SECONDS);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(tookMillis >= drain.toMillis(), "close() waits the drain time: " + tookMillis);
            assertNull(etcd.get(r.key()));
        }
    }

    @Test
    void killedServer_withoutClose_disappearsAfterItsTtl() throws Exception {
        String prefix = newPrefix();
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            Process child = startChild(prefix, 7005, TTL.toSeconds());
            try {
                await("the child's registration", Duration.ofSeconds(5), () -> group.endpoints().size() == 1);
                long killed = System.nanoTime();
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no hook runs
                assertEquals(1, group.endpoints().size(), "still registered right after the kill");
                await("the lease expiring", TTL.plus(Duration.ofSeconds(5)), () -> group.endpoints().isEmpty());
                long goneMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
                System.out.println("EtcdRegistrationTest: SIGKILLed server gone after " + goneMillis
                        + " ms (TTL " + TTL.toMillis() + " ms)");
                // the last renewal was at most TTL/3 before the kill
                assertTrue(goneMillis >= TTL.toMillis() * 2 / 3 - 100,
                        "gone by lease expiry, not by deregistration: " + goneMillis + " ms");
            } finally {
                child.destroyForcibly();
            }
        }
    }

    @Test
    void sigtermedServer_deregistersAtShutdown_longBeforeItsTtl() throws Exception {
        String prefix = newPrefix();
        try (EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix)) {
            Process child = startChild(prefix, 7006, 60);
            try {
                await("the child's registration", Duration.ofSeconds(5), () -> group.endpoints().size() == 1);
                long t0 = System.nanoTime();
                child.destroy(); // SIGTERM: the shutdown hook deregisters
                await("deregistration by the shutdown hook", Duration.ofSeconds(10),
                        () -> group.endpoints().isEmpty());
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
                System.out.println("EtcdRegistrationTest: SIGTERMed server gone after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms (TTL 60 s)");
            } finally {
                child.destroyForcibly();
            }
        }
    }

    private static Process startChild(String prefix, int port, long ttlSeconds) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                RegisteredServerMain.class.getName(), etcd.member(0).clientUrl(), prefix,
                Integer.toString(port), Long.toString(ttlSeconds))
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<String> registered = CompletableFuture.supplyAsync(() -> {
            try {
                StringBuilder all = new StringBuilder();
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith("REGISTERED")) {
                        return line;
                    }
                    all.append(line).append('\n');
                }
                throw new IllegalStateException("child ended: " + all);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        registered.get(30, TimeUnit.SECONDS);
        return p;
    }

    @Test
    void closedBeforeRegistering_failsWhenRegistered_andEndsPromptly() throws Exception {
        EtcdClient dead = EtcdClient.builder("http://127.0.0.1:1").connectTimeout(Duration.ofMillis(100))
                .requestTimeout(Duration.ofMillis(200)).build();
        EtcdRegistration r = EtcdRegistration.builder(dead, newPrefix(), Endpoint.of("127.0.0.1", 7007))
                .drainTime(Duration.ofSeconds(30)).build();
        assertThrows(java.util.concurrent.TimeoutException.class,
                () -> r.whenRegistered().get(300, TimeUnit.MILLISECONDS), "no etcd: still trying");
        long t0 = System.nanoTime();
        r.close();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5),
                "nothing registered: no drain wait");
        assertThrows(ExecutionException.class, () -> r.whenRegistered().get(1, TimeUnit.SECONDS));
        dead.close();
    }

    @Test
    void builder_validates() {
        Endpoint e = Endpoint.of("127.0.0.1", 1);
        EtcdRegistration.Builder b = EtcdRegistration.builder(client, "/x", e);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.ttl(Duration.ofSeconds(1)))
                .getMessage().contains("ttl must be whole seconds in 2 s..1 h"));
        assertThrows(IllegalArgumentException.class, () -> b.ttl(Duration.ofMillis(2500)));
        assertThrows(IllegalArgumentException.class, () -> b.drainTime(Duration.ofSeconds(-1)));
        b.ttl(Duration.ofSeconds(5));
        assertTrue(assertThrows(IllegalStateException.class, () -> b.ttl(Duration.ofSeconds(6)))
                .getMessage().contains("ttl was already set to PT5S"));
        assertThrows(IllegalArgumentException.class, () -> EtcdRegistration.builder(client, "", e));
        assertNotEquals(null, b);
    }
}
