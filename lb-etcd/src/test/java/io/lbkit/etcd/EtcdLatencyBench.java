package io.lbkit.etcd;

import com.google.gson.JsonObject;
import io.lbkit.Endpoint;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.strategy.Strategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded benchmark program (not a test): the time from a key change in a real local etcd to
 * the load balancer's new routing table. It starts a single-member etcd on loopback (temp data
 * dir, free ports), a group over {@code /bench/}, a balancer over the group, and writes changes one
 * at a time: alternately a new key (an endpoint joins) and the deletion of the oldest key (one
 * leaves), waiting for each to reach the balancer's table before the next. Each sample runs from
 * just before the {@code /v3/kv/put} or {@code /v3/kv/delete_range} request to the moment a
 * listener subscribed after the balancer sees the snapshot (the balancer builds its table in its
 * own listener, which runs first), checked against {@link LoadBalancer#stats()}. Prints
 * p50/p90/p99/max of that and of the write request alone.
 *
 * <pre>
 * mvn -B -q -pl lb-etcd -am package dependency:build-classpath -DskipTests \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "lb-etcd/target/test-classes:lb-etcd/target/classes:$(cat lb-etcd/target/cp.txt)" \
 *     io.lbkit.etcd.EtcdLatencyBench [changes, default 2000]
 * </pre>
 */
public final class EtcdLatencyBench {

    private static final int WARMUP = 200;

    private EtcdLatencyBench() {}

    public static void main(String[] args) throws Exception {
        int changes = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Path dir = Files.createTempDirectory("lbkit-etcd-bench");
        try (EtcdProcesses etcd = EtcdProcesses.single(dir);
                EtcdClient client = etcd.client();
                EtcdEndpointGroup group = EtcdEndpointGroup.of(client, "/bench/");
                LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin()).build()) {
            group.whenReady().get(10, TimeUnit.SECONDS);
            AtomicReference<List<Endpoint>> latest = new AtomicReference<>(List.of());
            AtomicLong seenAt = new AtomicLong();
            group.subscribe(snapshot -> {
                seenAt.set(System.nanoTime());
                latest.set(snapshot);
            });
            long[] total = new long[changes];
            long[] write = new long[changes];
            int next = 0;
            int oldest = 0;
            for (int i = -WARMUP; i < changes; i++) {
                boolean add = (i & 1) == 0 || next - oldest < 2;
                String key;
                JsonObject body = new JsonObject();
                if (add) {
                    int port = 10_000 + (next % 50_000);
                    key = "/bench/127.0.0.1:" + port;
                    body.addProperty("key", Json.base64(key));
                    body.addProperty("value", Json.base64(
                            EndpointValues.encode(Endpoint.of("127.0.0.1", port), false)));
                    next++;
                } else {
                    key = "/bench/127.0.0.1:" + (10_000 + (oldest % 50_000));
                    body.addProperty("key", Json.base64(key));
                    oldest++;
                }
                String address = key.substring("/bench/".length());
                long t0 = System.nanoTime();
                client.call(add ? "/v3/kv/put" : "/v3/kv/deleterange", body);
                long t1 = System.nanoTime();
                long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
                while (contains(latest.get(), address) != add) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IllegalStateException("change " + i + " (" + key + ") not seen in 10 s");
                    }
                    LockSupport.parkNanos(10_000);
                }
                long seen = seenAt.get();
                boolean inTable = lb.stats().stream().map(EndpointStats::endpoint)
                        .anyMatch(e -> e.address().equals(address));
                if (inTable != add) {
                    throw new IllegalStateException("the balancer's table disagrees with the snapshot");
                }
                if (i >= 0) {
                    total[i] = seen - t0;
                    write[i] = t1 - t0;
                }
            }
            System.out.printf("etcd %s, %d changes (after %d warm-up), one at a time%n",
                    client.endpoints(), changes, WARMUP);
            print("key change -> balancer's new table", total);
            print("write request alone (put / delete)", write);
        } finally {
            deleteTree(dir);
        }
    }

    private static boolean contains(List<Endpoint> endpoints, String address) {
        for (Endpoint e : endpoints) {
            if (e.address().equals(address)) {
                return true;
            }
        }
        return false;
    }

    private static void print(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf("%-40s p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms  max %7.3f ms%n", what,
                s[s.length / 2] / 1e6, s[(int) (s.length * 0.90)] / 1e6,
                s[(int) (s.length * 0.99)] / 1e6, s[s.length - 1] / 1e6);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
