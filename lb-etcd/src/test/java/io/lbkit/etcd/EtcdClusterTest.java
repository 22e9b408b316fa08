package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.Pick;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real 3-member etcd cluster on loopback; the member a client uses is killed and restarted. */
@Timeout(90)
class EtcdClusterTest {

    @TempDir
    static Path dir;
    static EtcdProcesses cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = EtcdProcesses.cluster(dir, 3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every test leaves all three members running. */
    @AfterEach
    void restartKilledMembers() throws Exception {
        for (EtcdProcesses.Member m : cluster.members()) {
            if (!m.isRunning()) {
                m.start();
            }
        }
        for (EtcdProcesses.Member m : cluster.members()) {
            m.awaitHealthy(Duration.ofSeconds(30));
        }
    }

    private static List<String> addresses(List<Endpoint> endpoints) {
        return endpoints.stream().map(Endpoint::address).toList();
    }

    @Test
    void group_failsOverWhenItsMemberIsKilled() throws Exception {
        String prefix = "/services/failover/";
        cluster.put(prefix + "a", "127.0.0.1:6001");
        try (EtcdClient client = cluster.client();
                EtcdEndpointGroup group = EtcdEndpointGroup.of(client, prefix);
                LoadBalancer lb = LoadBalancer.of(group)) {
            assertEquals(1, group.whenReady().get(10, TimeUnit.SECONDS).size());
            int used = client.preferredIndex();
            cluster.member(used).kill();
            long t0 = System.nanoTime();
            cluster.put(prefix + "b", "127.0.0.1:6002"); // through the two members left
            await("the change, through another member", Duration.ofSeconds(15),
                    () -> group.endpoints().size() == 2);
            System.out.println("EtcdClusterTest: member " + used + " killed; change seen after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms, now on member "
                    + client.preferredIndex());
            assertNotEquals(used, client.preferredIndex());
            Pick p = lb.pick();
            p.onSuccess(1_000);

            cluster.member(used).start();
            cluster.member(used).awaitHealthy(Duration.ofSeconds(30));
            cluster.delete(prefix + "a");
            await("live after the member returned", Duration.ofSeconds(10),
                    () -> addresses(group.endpoints()).equals(List.of("127.0.0.1:6002")));
        }
    }

    /** A member that hangs (SIGSTOP) breaks no connection: the group's check must notice it. */
    @Test
    void group_leavesAMemberThatStopsAnswering() throws Exception {
        String prefix = "/services/frozen/";
        cluster.put(prefix + "a", "127.0.0.1:6301");
        try (EtcdClient client = EtcdClient.builder(cluster.clientUrls())
                        .connectTimeout(Duration.ofMillis(500)).requestTimeout(Duration.ofSeconds(1)).build();
                EtcdEndpointGroup group = EtcdEndpointGroup.builder(client, prefix)
                        .checkInterval(Duration.ofMillis(500)).build()) {
            assertEquals(1, group.whenReady().get(10, TimeUnit.SECONDS).size());
            int used = client.preferredIndex();
            cluster.member(used).freeze();
            try {
                long t0 = System.nanoTime();
                // a write proposed to a frozen leader is lost until the others elect a new one
                for (int attempt = 1; ; attempt++) {
                    try {
                        cluster.put(prefix + "b", "127.0.0.1:6302");
                        break;
                    } catch (java.io.IOException e) {
                        if (attempt == 3) {
                            throw e;
                        }
                    }
                }
                await("the change, after leaving the frozen member", Duration.ofSeconds(15),
                        () -> group.endpoints().size() == 2);
                System.out.println("EtcdClusterTest: member " + used + " frozen; change seen after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
                assertNotEquals(used, client.preferredIndex());
            } finally {
                cluster.member(used).thaw();
            }
        }
    }

    @Test
    void registration_keepsItsLeaseWhenItsMemberIsKilled() throws Exception {
        try (EtcdClient client = cluster.client();
                EtcdRegistration r = EtcdRegistration.builder(client, "/services/reg-failover/",
                        Endpoint.of("127.0.0.1", 6101)).ttl(Duration.ofSeconds(3)).build()) {
            r.whenRegistered().get(10, TimeUnit.SECONDS);
            long lease = r.leaseId();
            int used = client.preferredIndex();
            cluster.member(used).kill();
            // two TTLs: the lease must be renewed through the other members meanwhile
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
            while (System.nanoTime() - end < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            }
            assertEquals(lease, r.leaseId(), "the same lease, renewed all along");
            assertNotNull(cluster.get(r.key()));
            assertNotEquals(used, client.preferredIndex());
        }
    }

    /**
     * The client knows one member only. While it is down the group keeps its set; meanwhile the
     * cluster changes the keys and compacts the history, so on return the group's watch from its
     * last revision is compacted and it must read the prefix again and apply the difference.
     */
    @Test
    void onlyMemberDown_lastGoodSetKept_thenCatchesUpThroughACompaction() throws Exception {
        String prefix = "/services/compacted/";
        cluster.put(prefix + "a", "127.0.0.1:6201");
        cluster.put(prefix + "b", "127.0.0.1:6202");
        try (EtcdClient client = EtcdClient.builder(cluster.member(0).clientUrl())
                        .connectTimeout(Duration.ofMillis(500)).requestTimeout(Duration.ofSeconds(2)).build();
                EtcdEndpointGroup group = EtcdEndpointGroup.builder(client, prefix)
                        .maxBackoff(Duration.ofMillis(500)).build()) {
            assertEquals(2, group.whenReady().get(10, TimeUnit.SECONDS).size());
            List<Endpoint> good = group.endpoints();
            assertEquals(1, group.reads());

            cluster.member(0).kill();
            cluster.put(prefix + "c", "127.0.0.1:6203");
            cluster.delete(prefix + "a");
            cluster.put(prefix + "b", "{\"Addr\":\"127.0.0.1:6202\",\"weight\":9}");
            cluster.etcdctl("compaction", Long.toString(cluster.revision()));
            await("failed attempts", Duration.ofSeconds(10), () -> group.consecutiveFailures() >= 2);
            assertEquals(good, group.endpoints(), "the last good set while its member is down");

            cluster.member(0).start();
            await("catching up", Duration.ofSeconds(30),
                    () -> addresses(group.endpoints()).equals(List.of("127.0.0.1:6202", "127.0.0.1:6203")));
            assertEquals(9, group.endpoints().get(0).weight());
            assertTrue(group.reads() >= 2, "re-read after the compaction: " + group.reads());
        }
    }
}
