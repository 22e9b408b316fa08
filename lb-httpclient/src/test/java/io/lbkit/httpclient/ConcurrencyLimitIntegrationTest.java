package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.health.ConcurrencyLimit;
import io.lbkit.health.OutlierDetection;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The adaptive concurrency limit against real JDK HttpServer backends through
 * {@link BalancedHttpClient}: two backends equally fast when idle, one with 16 workers and one
 * with a single worker (overloaded as soon as more than one call reaches it, its latency rising
 * with its queue). Round robin alone sends half of the calls to the overloaded one, where they
 * queue; with {@code concurrencyLimit(ConcurrencyLimit.gradient())} that backend's limit shrinks
 * to a few calls and the rest go to the other one, so the overloaded backend's calls stay short.
 * The same bounded load (12 callers, 600 calls) runs with and without the limit; the second half
 * of each run (after 300 calls to learn) is judged. The backends count the calls they hold
 * (queued for a worker or in service) and time them from arrival to answer, so the bound is
 * measured where the queue is (the client's own latency on this shared machine mostly measures
 * its CPU).
 */
class ConcurrencyLimitIntegrationTest {

    /** Each call's work on either backend: 5 ms (a sleep stands for the work; not a wait). */
    private static final long WORK_MS = 5;
    private static final int CALLERS = 12;
    private static final int CALLS = 600;

    private static Server roomy;
    private static Server narrow;
    private static final HttpClient PLAIN = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws IOException {
        roomy = new Server("roomy", 16);
        narrow = new Server("narrow", 1);
    }

    @AfterAll
    static void stop() {
        roomy.close();
        narrow.close();
    }

    @Test
    void limit_keepsCallsOffTheOverloadedBackend_andItsCallsShort() throws Exception {
        Result unlimited = run(null);
        Result limited = run(ConcurrencyLimit.gradientBuilder().windowSamples(5).build());
        System.out.println("concurrency limit, second half: limited " + limited
                + "; unlimited " + unlimited);

        // The scenario: round robin alone splits the calls evenly, and most callers end up
        // queued at the single worker.
        assertEquals(0, unlimited.refused);
        assertTrue(unlimited.narrowShare > 0.45, "unlimited: " + unlimited);
        assertTrue(unlimited.narrowHeld >= CALLERS - 3, "unlimited: " + unlimited);
        // With the limit, the narrow backend holds only a few calls at a time, the others go to
        // the roomy one...
        // (its limit, plus one call answered but not yet reported, plus one racing pick).
        assertTrue(limited.narrowMaxLimit < CALLERS - 3, "limited: " + limited);
        assertTrue(limited.narrowHeld <= limited.narrowMaxLimit + 2
                && limited.narrowHeld < unlimited.narrowHeld,
                "limited: " + limited + " vs unlimited: " + unlimited);
        assertTrue(limited.narrowShare < unlimited.narrowShare - 0.1,
                "limited: " + limited + " vs unlimited: " + unlimited);
        // ... so the calls that still reach it wait in a shorter queue.
        assertTrue(limited.narrowP90Nanos < unlimited.narrowP90Nanos,
                "p90 held at the narrow backend: limited " + limited.narrowP90Nanos / 1e6
                        + " ms, unlimited " + unlimited.narrowP90Nanos / 1e6 + " ms");
        // What the operator sees: the learnt limits in the stats.
        assertTrue(limited.narrowLimit < limited.roomyLimit && limited.narrowLimit < CALLERS - 3,
                "limits: narrow " + limited.narrowLimit + ", roomy " + limited.roomyLimit);
        // Refusals (every backend at its limit) are AT_CAPACITY, fast, and rare here.
        assertTrue(limited.refused < CALLS / 20, "refused " + limited.refused);
    }

    /** The figures of one run's second half (after the limit has had 600 calls to learn). */
    private record Result(double narrowShare, long narrowP90Nanos, int narrowHeld, int refused,
            int narrowLimit, int narrowMaxLimit, int roomyLimit) {}

    private static Result run(ConcurrencyLimit limit) throws Exception {
        Endpoint r = Endpoint.of("127.0.0.1", roomy.port());
        Endpoint n = Endpoint.of("127.0.0.1", narrow.port());
        LoadBalancer.Builder b = LoadBalancer.builder(EndpointGroup.of(r, n))
                .strategy(Strategy.roundRobin())
                .outlierDetection(OutlierDetection.disabled());
        if (limit != null) {
            b.concurrencyLimit(limit);
        }
        try (LoadBalancer lb = b.build()) {
            HttpClient http = BalancedHttpClient.newBuilder(PLAIN).service("svc", lb).build();
            HttpRequest get = HttpRequest.newBuilder(URI.create("http://svc/"))
                    .timeout(Duration.ofSeconds(30)).build();
            // Warm-up, one call at a time: connections open and each backend's latency without
            // load is learnt (neither queues yet).
            for (int i = 0; i < 40; i++) {
                http.send(get, HttpResponse.BodyHandlers.ofString());
            }
            AtomicInteger next = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger narrowMaxLimit = new AtomicInteger(-1);
            List<long[]> results = Collections.synchronizedList(new ArrayList<>());
            ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < CALLERS; c++) {
                    done.add(callers.submit(() -> {
                        int i;
                        while ((i = next.getAndIncrement()) < CALLS) {
                            if (i == CALLS / 2) {
                                narrow.judge(); // judge the second half only
                            }
                            try {
                                HttpResponse<String> resp =
                                        http.send(get, HttpResponse.BodyHandlers.ofString());
                                assertEquals(200, resp.statusCode());
                                results.add(new long[] {i, resp.body().equals("narrow") ? 1 : 0});
                                if (i >= CALLS / 2) {
                                    narrowMaxLimit.accumulateAndGet(limitOf(lb, n), Math::max);
                                }
                            } catch (NoEndpointAvailableException e) {
                                assertEquals(NoEndpointAvailableException.Reason.AT_CAPACITY,
                                        e.reason());
                                if (i >= CALLS / 2) {
                                    refused.incrementAndGet();
                                }
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
            } finally {
                callers.shutdown();
                assertTrue(callers.awaitTermination(10, TimeUnit.SECONDS));
            }
            int secondHalf = 0;
            int narrowCalls = 0;
            synchronized (results) {
                for (long[] x : results) {
                    if (x[0] >= CALLS / 2) {
                        secondHalf++;
                        narrowCalls += (int) x[1];
                    }
                }
            }
            long p90 = narrow.p90HeldNanos();
            int narrowLimit = -1;
            int roomyLimit = -1;
            for (EndpointStats s : lb.stats()) {
                assertEquals(0, s.inFlight(), "every call reported: " + s);
                int l = s.concurrencyLimit().orElse(-1);
                if (s.endpoint().equals(n)) {
                    narrowLimit = l;
                } else {
                    roomyLimit = l;
                }
            }
            return new Result((double) narrowCalls / Math.max(1, secondHalf), p90,
                    narrow.mostHeld.get(), refused.get(), narrowLimit, narrowMaxLimit.get(),
                    roomyLimit);
        }
    }

    /** The endpoint's current concurrency limit, -1 without one. */
    private static int limitOf(LoadBalancer lb, Endpoint e) {
        for (EndpointStats s : lb.stats()) {
            if (s.endpoint().equals(e)) {
                return s.concurrencyLimit().orElse(-1);
            }
        }
        return -1;
    }

    /**
     * A JDK HttpServer on 127.0.0.1 with {@code workers} handler threads, each call 5 ms. Counts
     * the calls it holds: handed to its executor (the server does that once it has read a
     * request) and not yet answered.
     */
    private static final class Server implements AutoCloseable {
        private final HttpServer server;
        private final ExecutorService workers;
        private final AtomicInteger held = new AtomicInteger();
        /** The most calls held at once since {@link #judge()}. */
        final AtomicInteger mostHeld = new AtomicInteger();
        /** How long each call was held, arrival to answer, since {@link #judge()}; null before. */
        private volatile List<Long> heldNanos;

        Server(String name, int threads) throws IOException {
            System.setProperty("sun.net.httpserver.nodelay", "true"); // see Backend
            workers = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
            server = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            server.createContext("/", (HttpExchange exchange) -> {
                try {
                    Thread.sleep(WORK_MS); // the call's work
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                exchange.getRequestBody().readAllBytes();
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.setExecutor(task -> {
                mostHeld.accumulateAndGet(held.incrementAndGet(), Math::max);
                long arrival = System.nanoTime();
                workers.execute(() -> {
                    try {
                        task.run();
                    } finally {
                        held.decrementAndGet();
                        List<Long> times = heldNanos;
                        if (times != null) {
                            times.add(System.nanoTime() - arrival);
                        }
                    }
                });
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        /** Starts the judged part of a run: resets the most held and the held times. */
        void judge() {
            mostHeld.set(held.get());
            heldNanos = Collections.synchronizedList(new ArrayList<>());
        }

        /** The 90th percentile of the held times since {@link #judge()}; 0 if none. */
        long p90HeldNanos() {
            List<Long> times;
            synchronized (heldNanos) {
                times = new ArrayList<>(heldNanos);
            }
            heldNanos = null;
            Collections.sort(times);
            return times.isEmpty() ? 0 : times.get((int) (0.9 * (times.size() - 1)));
        }

        @Override
        public void close() {
            server.stop(0);
            workers.shutdownNow();
        }
    }
}
