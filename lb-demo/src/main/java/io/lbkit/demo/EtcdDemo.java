package io.lbkit.demo;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.LoadBalancer;
import io.lbkit.cli.LbkitLog;
import io.lbkit.cli.LoopbackServer;
import io.lbkit.etcd.EtcdClient;
import io.lbkit.etcd.EtcdEndpointGroup;
import io.lbkit.etcd.EtcdRegistration;
import io.lbkit.httpclient.BalancedHttpClient;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;

/**
 * {@code lb-demo --etcd}: a real etcd on loopback (temp data dir), HTTP backends that register
 * themselves in it, and a BalancedHttpClient over an EtcdEndpointGroup under load, while servers
 * join, drain and leave, get killed, and etcd itself goes away and comes back. Prints one table
 * row per second: the pool as the client sees it and who served the calls. About 24 s.
 */
final class EtcdDemo {

    private static final PrintStream OUT = System.out;
    private static final String PREFIX = "/services/demo/";
    private static final Duration TTL = Duration.ofSeconds(2);

    private EtcdDemo() {}

    static int run() throws Exception {
        String etcdBinary = find("etcd");
        if (etcdBinary == null) {
            System.err.println("lb-demo --etcd: etcd is not installed (apt-get install etcd-server);"
                    + " the etcd demo starts a real one on 127.0.0.1");
            return 2;
        }
        LbkitLog.only(Level.SEVERE);
        Path dir = Files.createTempDirectory("lbkit-etcd-demo");
        LocalEtcd etcd = new LocalEtcd(etcdBinary, dir);
        etcd.start();
        OUT.printf("lbkit etcd demo: etcd on %s (data in %s); servers register under %s with a %d s"
                + " lease; a BalancedHttpClient balances over an EtcdEndpointGroup of them.%n%n",
                etcd.url(), dir, PREFIX, TTL.toSeconds());
        List<Server> servers = new ArrayList<>();
        try (EtcdClient client = EtcdClient.builder(etcd.url())
                        .requestTimeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofMillis(300)).build();
                EtcdEndpointGroup group = EtcdEndpointGroup.builder(client, PREFIX)
                        .maxBackoff(Duration.ofSeconds(1)).build();
                LoadBalancer lb = LoadBalancer.builder(group).strategy(Strategy.leastRequest()).build()) {
            for (int i = 0; i < 3; i++) {
                servers.add(new Server("s" + i, etcd.url()));
            }
            // Ready means etcd answered, possibly before the three registrations landed: wait
            // until the group lists all three, so the first second's calls have somewhere to go.
            CompletableFuture<Void> allThree = new CompletableFuture<>();
            EndpointGroup.Subscription sub = group.subscribe(eps -> {
                if (eps.size() == servers.size()) {
                    allThree.complete(null);
                }
            });
            try {
                allThree.get(10, TimeUnit.SECONDS);
            } finally {
                sub.close();
            }
            HttpClient http = BalancedHttpClient.newBuilder(HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(1)).build()).service("demo", lb).build();
            Load load = new Load(http, 8);

            Map<Integer, Runnable> timeline = new LinkedHashMap<>();
            timeline.put(3, () -> servers.add(start("s3", etcd.url(), "s3 starts and registers")));
            timeline.put(6, () -> event("s0 leaves: marks itself draining, waits 0.5 s, deregisters",
                    () -> servers.get(0).leave()));
            timeline.put(9, () -> event("s1 is killed (no deregistration): its lease runs out in "
                    + TTL.toSeconds() + " s", () -> servers.get(1).kill()));
            timeline.put(13, () -> event("etcd is killed: the client keeps its last good set",
                    etcd::kill));
            timeline.put(15, () -> servers.add(start("s4", etcd.url(),
                    "s4 starts while etcd is down: it keeps trying to register")));
            timeline.put(18, () -> event("etcd is back: s4 registers, the client catches up", () -> {
                try {
                    etcd.start();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
            OUT.printf(Locale.ROOT, "%4s  %-36s %7s %6s  %s%n", "t s", "pool (from etcd)", "calls/s",
                    "failed", "served by");
            long t0 = System.nanoTime();
            for (int second = 1; second <= 23; second++) {
                LockSupport.parkNanos(t0 + TimeUnit.SECONDS.toNanos(second) - System.nanoTime());
                Runnable r = timeline.get(second);
                if (r != null) {
                    r.run();
                }
                row(second, group, load);
            }
            load.stop();
            OUT.printf("%n%d calls, %d failed. Idempotent GETs: a call that met a dead server was"
                    + " retried on another.%n", load.total.get(), load.failed.get());
            for (Server s : servers) {
                if (s.running) {
                    s.leave();
                }
            }
        } finally {
            etcd.kill();
            deleteTree(dir);
        }
        return 0;
    }

    private static Server start(String name, String etcdUrl, String what) {
        OUT.println("      >> " + what);
        try {
            return new Server(name, etcdUrl);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void event(String what, Runnable action) {
        OUT.println("      >> " + what);
        Thread t = new Thread(action, "demo-event"); // leave() blocks for the drain time
        t.setDaemon(true);
        t.start();
    }

    private static void row(int second, EtcdEndpointGroup group, Load load) {
        List<String> names = new ArrayList<>();
        for (Endpoint e : group.endpoints()) {
            names.add(Server.NAMES.getOrDefault(e.port(), "?"));
        }
        names.sort(null);
        String pool = String.join(" ", names);
        StringBuilder served = new StringBuilder();
        int calls = 0;
        List<Map.Entry<String, AtomicInteger>> byServer = new ArrayList<>(load.byServer.entrySet());
        byServer.sort(Map.Entry.comparingByKey());
        for (Map.Entry<String, AtomicInteger> e : byServer) {
            int n = e.getValue().getAndSet(0);
            calls += n;
            if (n > 0) {
                served.append(String.format(Locale.ROOT, "%s %-5d ", e.getKey(), n));
            }
        }
        OUT.printf(Locale.ROOT, "%4d  %-36s %7d %6d  %s%n", second, "[" + pool + "]", calls,
                load.failed.get(), served);
    }

    /** Callers sending GETs in a loop. */
    private static final class Load {
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger total = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final Map<String, AtomicInteger> byServer = new ConcurrentHashMap<>();
        final ExecutorService pool;

        Load(HttpClient http, int callers) {
            pool = Executors.newFixedThreadPool(callers, r -> {
                Thread t = new Thread(r, "demo-caller");
                t.setDaemon(true);
                return t;
            });
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://demo/work"))
                    .timeout(Duration.ofSeconds(5)).build();
            for (int i = 0; i < callers; i++) {
                pool.execute(() -> {
                    while (!stop.get()) {
                        try {
                            HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                byServer.computeIfAbsent(r.body(), k -> new AtomicInteger()).incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                            }
                        } catch (IOException | RuntimeException e) {
                            failed.incrementAndGet();
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // e.g. no endpoint
                        } catch (InterruptedException e) {
                            return;
                        }
                        total.incrementAndGet();
                    }
                });
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** An HTTP backend that registers itself in etcd. */
    private static final class Server {
        static final Map<Integer, String> NAMES = new ConcurrentHashMap<>();
        final LoopbackServer http;
        final EtcdClient etcd; // its own connection, as a separate server process would have
        final EtcdRegistration registration;
        boolean running = true; // until leave() or kill(); both on the timeline's thread

        Server(String name, String etcdUrl) throws IOException {
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            http = LoopbackServer.start("backend-" + name, 4, 128,
                    ex -> LoopbackServer.respond(ex, 200, body));
            NAMES.put(http.port(), name);
            etcd = EtcdClient.builder(etcdUrl).requestTimeout(Duration.ofSeconds(1))
                    .connectTimeout(Duration.ofMillis(300)).build();
            registration = EtcdRegistration.builder(etcd, PREFIX,
                            Endpoint.of("127.0.0.1", http.port()))
                    .ttl(TTL)
                    .drainTime(Duration.ofMillis(500))
                    .build();
        }

        /** A graceful exit: drain, deregister, stop. */
        void leave() {
            running = false;
            registration.close();
            http.close();
            etcd.close();
        }

        /**
         * A crash: the server stops answering and its connection to etcd dies, so its lease is
         * no longer renewed and etcd deletes its key when the TTL runs out.
         */
        void kill() {
            running = false;
            http.close();
            etcd.close();
            registration.close(); // finds etcd unreachable from here: nothing is deregistered
        }
    }

    /** A single-member etcd on free loopback ports; killed and restarted on the same ports. */
    private static final class LocalEtcd {
        final String binary;
        final Path dir;
        final int clientPort;
        final int peerPort;
        Process process;

        LocalEtcd(String binary, Path dir) throws IOException {
            this.binary = binary;
            this.dir = dir;
            this.clientPort = freePort();
            this.peerPort = freePort();
        }

        String url() {
            return "http://127.0.0.1:" + clientPort;
        }

        void start() throws IOException, InterruptedException {
            String peer = "http://127.0.0.1:" + peerPort;
            process = new ProcessBuilder(binary, "--name=demo", "--data-dir=" + dir.resolve("data"),
                    "--listen-client-urls=" + url(), "--advertise-client-urls=" + url(),
                    "--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
                    "--initial-cluster=demo=" + peer, "--logger=zap", "--log-outputs=stderr")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
                    .start();
            HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofMillis(300)).build();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() - end < 0) {
                if (!process.isAlive()) {
                    throw new IOException("etcd exited; see " + dir.resolve("etcd.log"));
                }
                try {
                    HttpResponse<String> r = probe.send(HttpRequest.newBuilder(URI.create(url() + "/health"))
                            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            throw new IOException("etcd not healthy within 20 s; see " + dir.resolve("etcd.log"));
        }

        void kill() {
            if (process != null) {
                process.destroyForcibly();
                try {
                    process.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            }
        }
    }

    private static String find(String name) {
        List<String> dirs = new ArrayList<>(List.of("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin"));
        dirs.addAll(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        for (String d : dirs) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, name))) {
                return Path.of(d, name).toString();
            }
        }
        return null;
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("lb-demo: could not delete " + dir + ": " + e);
        }
    }
}
