package io.lbkit.etcd;

import static io.lbkit.etcd.EtcdProcesses.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole loop on real parts: JDK HttpServer backends register themselves in a real etcd,
 * a BalancedHttpClient balances over an EtcdEndpointGroup of them, and servers join, leave
 * (draining) and die (killed, lease expiry) while the client is under load. Every call is an
 * idempotent GET, so none may fail.
 */
@Timeout(90)
class BalancedHttpClientOverEtcdTest {

    static {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // no 40 ms Nagle stalls
    }

    private static final String PREFIX = "/services/orders/";
    private static final Duration TTL = Duration.ofSeconds(2);

    /** A backend that registers itself. */
    private static final class Server {
        final String name;
        final HttpServer http;
        final ExecutorService threads;
        final EtcdRegistration registration;
        final AtomicInteger served = new AtomicInteger();

        Server(String name, EtcdClient etcd) throws IOException {
            this.name = name;
            http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            threads = Executors.newFixedThreadPool(4, r -> {
                Thread t = new Thread(r, "backend " + name);
                t.setDaemon(true);
                return t;
            });
            http.setExecutor(threads);
            http.createContext("/", ex -> {
                served.incrementAndGet();
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            });
            http.start();
            registration = EtcdRegistration.builder(etcd, PREFIX,
                            Endpoint.of("127.0.0.1", http.getAddress().getPort()))
                    .ttl(TTL)
                    .drainTime(Duration.ofMillis(400))
                    .build();
        }

        /** A graceful exit: drain, deregister, stop. */
        void leave() {
            registration.close();
            http.stop(0);
            threads.shutdownNow();
        }

        /** A crash: the server stops answering, its lease runs out later. */
        void kill() {
            registration.abandon();
            http.stop(0);
            threads.shutdownNow();
        }

        String address() {
            return registration.endpoint().address();
        }
    }

    @Test
    void serversJoiningLeavingAndDying_underLoad_noIdempotentCallFails(@TempDir Path dir)
            throws Exception {
        try (EtcdProcesses etcd = EtcdProcesses.single(dir);
                EtcdClient client = etcd.client();
                EtcdEndpointGroup group = EtcdEndpointGroup.of(client, PREFIX);
                LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.leastRequest()).build()) {
            List<Server> servers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                servers.add(new Server("s" + i, client));
            }
            await("three registered", Duration.ofSeconds(10), () -> group.endpoints().size() == 3);
            HttpClient http = BalancedHttpClient.newBuilder(HttpClient.newBuilder()
                            .connectTimeout(Duration.ofSeconds(1)).build())
                    .service("orders", lb)
                    .build();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ok = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            Map<String, AtomicInteger> byServer = new ConcurrentHashMap<>();
            ExecutorService load = Executors.newFixedThreadPool(4);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                workers.add(load.submit(() -> {
                    HttpRequest get = HttpRequest.newBuilder(URI.create("http://orders/items/7"))
                            .timeout(Duration.ofSeconds(5)).build();
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                                byServer.computeIfAbsent(r.body(), k -> new AtomicInteger()).incrementAndGet();
                            } else {
                                failures.add("status " + r.statusCode());
                            }
                        } catch (IOException e) {
                            failures.add(e.toString());
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            try {
                await("load flowing", Duration.ofSeconds(10), () -> ok.get() > 200);
                Server joined = new Server("s3", client);
                servers.add(joined);
                await("s3 joining", Duration.ofSeconds(5),
                        () -> byServer.containsKey("s3") && byServer.get("s3").get() > 20);

                Server leaving = servers.get(0);
                leaving.leave(); // drains 400 ms, then deregisters and stops
                await("s0 gone from the group", Duration.ofSeconds(5),
                        () -> group.endpoints().stream().noneMatch(e -> e.address().equals(leaving.address())));

                Server dying = servers.get(1);
                long before = ok.get();
                dying.kill();
                await("s1's lease expiring", TTL.plus(Duration.ofSeconds(5)),
                        () -> group.endpoints().stream().noneMatch(e -> e.address().equals(dying.address())));
                assertTrue(ok.get() > before + 100, "calls went on while s1 was dead but registered");

                servers.add(new Server("s4", client));
                await("s4 joining", Duration.ofSeconds(5),
                        () -> byServer.containsKey("s4") && byServer.get("s4").get() > 20);
            } finally {
                stop.set(true);
                for (Future<?> w : workers) {
                    w.get(20, TimeUnit.SECONDS);
                }
                load.shutdownNow();
            }
            System.out.println("BalancedHttpClientOverEtcdTest: " + ok.get() + " calls, by server "
                    + byServer + ", failures " + failures.size());
            assertEquals(List.of(), List.copyOf(failures), "no idempotent call may fail");
            Set<String> live = new TreeSet<>();
            group.endpoints().forEach(e -> live.add(e.address()));
            Set<String> expected = new TreeSet<>();
            for (Server s : servers.subList(2, servers.size())) {
                expected.add(s.address());
            }
            assertEquals(expected, live, "s2, s3 and s4 remain");
            for (Server s : servers.subList(2, servers.size())) {
                s.leave();
            }
        }
    }
}
