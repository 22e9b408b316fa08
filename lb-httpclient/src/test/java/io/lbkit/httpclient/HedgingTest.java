package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.retry.HedgePolicy;
import io.lbkit.retry.RetryBudget;
import io.lbkit.retry.RetryPolicy;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hedging over real JDK HttpServer backends on loopback. The backends share a record of every
 * request id ({@code x-id}) they see; what a backend answers depends on how many attempts of that
 * call arrived before it (the first attempt of each call is the slow one: a GC pause, a cold
 * cache), so whichever endpoint the balancer picks first is the slow one, and the test asserts
 * where the hedge went instead of arranging it.
 */
/*
 * Why one file of over 400 lines: every test here runs against the same backends, whose answers
 * depend on the shared record of the attempts each call made (the Server class and its record,
 * about 200 lines); apart, each file would need that record and its backends passed in. The
 * single-attempt rules are BalancedHttpClientTest and RetryChoiceTest.
 */
@Timeout(60)
class HedgingTest {

    /** How long a slow answer takes when nobody aborts it; a test may set a longer one. */
    private volatile Duration slow = Duration.ofSeconds(1);
    /**
     * Answer with {@code Connection: close}, so that the client pools no connection. The JDK
     * client re-sends an idempotent request on its own when the pooled connection it chose turns
     * out closed, and an aborted loser can close one: with pooling a server may then see one
     * lbkit attempt twice, which the test that counts arrivals per endpoint would take for a
     * second attempt (docs/httpclient.md, Hedging).
     */
    private volatile boolean closeConnections;

    private final List<Server> servers = new ArrayList<>();
    /** Per call id: the backends its attempts reached, in arrival order. */
    private final Map<String, List<String>> seen = new ConcurrentHashMap<>();
    /** Per call id: the calls in flight on the whole balancer when its hedge arrived. */
    private final Map<String, Integer> inFlightAtHedge = new ConcurrentHashMap<>();
    /** Per call id: counted down when a slow answer of it found its exchange aborted. */
    private final Map<String, CountDownLatch> aborted = new ConcurrentHashMap<>();
    private final CountDownLatch finish = new CountDownLatch(1); // ends all slow answers
    private final ExecutorService handlers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "hedging-backend");
        t.setDaemon(true);
        return t;
    });
    private LoadBalancer lb;
    private HttpClient plain;

    @AfterEach
    void stop() {
        finish.countDown();
        if (lb != null) {
            lb.close();
        }
        for (Server s : servers) {
            s.server.stop(0);
        }
        handlers.shutdownNow();
    }

    // ---- what the backends do

    /** A backend's answer to an attempt, by the attempt's arrival number for its call (1, 2...). */
    private enum Answer { FAST_200, FAST_503, SLOW_200, SLOW_503 }

    private static BiFunction<String, Integer, Answer> slowFirst() {
        return (id, arrival) -> arrival == 1 ? Answer.SLOW_200 : Answer.FAST_200;
    }

    private final class Server {
        final String name;
        final HttpServer server;
        final BiFunction<String, Integer, Answer> answers;
        final Map<String, String> bodies = new ConcurrentHashMap<>();

        Server(String name, BiFunction<String, Integer, Answer> answers) throws IOException {
            this.name = name;
            this.answers = answers;
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    64);
            server.createContext("/", this::handle);
            server.setExecutor(handlers);
            server.start();
        }

        Endpoint endpoint() {
            return Endpoint.of("127.0.0.1", server.getAddress().getPort());
        }

        int requests() {
            int n = 0;
            for (List<String> names : seen.values()) {
                for (String s : names) {
                    n += s.equals(name) ? 1 : 0;
                }
            }
            return n;
        }

        private void handle(HttpExchange exchange) throws IOException {
            String id = exchange.getRequestHeaders().getFirst("x-id");
            List<String> names = seen.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
            int arrival;
            synchronized (names) {
                names.add(name);
                arrival = names.size();
            }
            try (InputStream in = exchange.getRequestBody()) {
                bodies.put(id, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            if (arrival > 1) {
                inFlightAtHedge.put(id, totalInFlight());
            }
            Answer answer = answers.apply(id, arrival);
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            if (closeConnections) {
                exchange.getResponseHeaders().set("Connection", "close");
            }
            switch (answer) {
                case FAST_200:
                case FAST_503:
                    int status = answer == Answer.FAST_200 ? 200 : 503;
                    exchange.sendResponseHeaders(status, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                    return;
                case SLOW_503:
                    awaitQuietly(slow.toNanos());
                    exchange.sendResponseHeaders(503, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                    return;
                case SLOW_200:
                    trickle(exchange, id, body);
                    return;
                default:
                    throw new AssertionError(answer);
            }
        }

        /**
         * A slow answer that notices an abort: nothing for {@link #slow} (a slow server thinks
         * before it answers), then the headers and a byte every 10 ms five times, then the name.
         * A client that cancelled has closed the connection, and those writes fail.
         */
        private void trickle(HttpExchange exchange, String id, byte[] body) {
            CountDownLatch abort = aborted.computeIfAbsent(id, k -> new CountDownLatch(1));
            awaitQuietly(slow.toNanos());
            try (OutputStream out = exchange.getResponseBody()) {
                exchange.sendResponseHeaders(200, 0); // chunked
                for (int i = 0; i < 5; i++) {
                    out.write(' ');
                    out.flush();
                    awaitQuietly(TimeUnit.MILLISECONDS.toNanos(10));
                }
                out.write(body);
            } catch (IOException e) {
                abort.countDown();
            }
        }
    }

    /** Waits up to {@code nanos} for the test to end; true if it ended. */
    private boolean awaitQuietly(long nanos) {
        try {
            return finish.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private int totalInFlight() {
        int n = 0;
        for (EndpointStats s : lb.stats()) {
            n += s.inFlight();
        }
        return n;
    }

    private void startServers(int count, BiFunction<String, Integer, Answer> answers) throws IOException {
        for (int i = 0; i < count; i++) {
            servers.add(new Server("b" + i, answers));
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (Server s : servers) {
            endpoints.add(s.endpoint());
        }
        lb = LoadBalancer.builder(EndpointGroup.of(endpoints))
                .strategy(Strategy.roundRobin())
                .build();
        plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    private Server server(String name) {
        for (Server s : servers) {
            if (s.name.equals(name)) {
                return s;
            }
        }
        throw new AssertionError(name);
    }

    private static HttpRequest get(String id) {
        return HttpRequest.newBuilder(URI.create("http://orders/items/7")).header("x-id", id)
                .build();
    }

    /** A client of "orders" over {@code lb}, hedged after {@code delay}, paid by {@code budget}. */
    private BalancedHttpClient.Builder hedgedAfter(Duration delay, RetryBudget budget) {
        return BalancedHttpClient.newBuilder(plain)
                .service("orders", lb)
                .retryBudget(budget)
                .hedgePolicy("orders", HedgePolicy.ofDelay(delay));
    }

    /** A budget that grants exactly {@code hedges} retries: no ratio, a floor, a frozen clock. */
    private static RetryBudget budgetOf(int hedges) {
        return RetryBudget.builder().retryRatio(0).minRetriesPerSecond(hedges)
                .window(Duration.ofSeconds(1)).ticker(() -> 0L).build();
    }

    /** Polls {@code condition} every millisecond for up to 10 s. */
    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    private static boolean await(CountDownLatch latch) throws InterruptedException {
        return latch != null && latch.await(10, TimeUnit.SECONDS);
    }

    // ---- tests

    @Test
    void send_hedgesToAnotherEndpoint_firstAnswerWins_loserAbortedAndReleased() throws Exception {
        startServers(3, slowFirst());
        RetryBudget budget = RetryBudget.of();
        BalancedHttpClient http = hedgedAfter(Duration.ofMillis(100), budget).build();
        int calls = 4;
        for (int i = 0; i < calls; i++) {
            String id = "c" + i;
            long t0 = System.nanoTime();
            HttpResponse<String> r = http.send(get(id), BodyHandlers.ofString());
            long took = System.nanoTime() - t0;
            List<String> reached = seen.get(id);
            assertEquals(2, reached.size(), id + " reached " + reached);
            String first = reached.get(0);
            String hedge = reached.get(1);
            assertNotEquals(first, hedge, "the hedge went to the slow attempt's endpoint");
            assertEquals(200, r.statusCode());
            assertEquals(hedge, r.body(), "the hedge answered first and won");
            assertTrue(r.uri().toString().contains(":" + server(hedge).endpoint().port() + "/"),
                    r.uri().toString());
            assertTrue(took < this.slow.toNanos(), "the call waited for the slow attempt: " + took);
            assertEquals(2, inFlightAtHedge.get(id),
                    "both attempts count in flight while they race");
            assertEquals(0, totalInFlight(), "the loser's pick was released before send returned");
            assertTrue(await(aborted.get(id)), "the slow endpoint's exchange was not aborted");
        }
        for (EndpointStats s : lb.stats()) {
            // the losers were released, not failed: only the winners' outcomes count
            assertEquals(0, s.failures(), s.toString());
        }
        long successes = lb.stats().stream().mapToLong(EndpointStats::successes).sum();
        assertEquals(calls, successes, "one outcome per call: the winner's");
        assertEquals(calls, budget.retriesGranted(), "each hedge paid from the budget");
    }

    @Test
    void sendAsync_waitsForTheDelayOnATimer_notOnAThread() throws Exception {
        slow = Duration.ofMillis(2500);
        startServers(3, slowFirst());
        // The wrapped client's executor runs the hedges too: one thread for all calls.
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            HttpClient delegate = HttpClient.newBuilder().executor(one)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            Duration delay = Duration.ofMillis(1000);
            BalancedHttpClient http = BalancedHttpClient.newBuilder(delegate)
                    .service("orders", lb)
                    .hedgePolicy("orders", HedgePolicy.ofDelay(delay))
                    .build();
            int calls = 8;
            long t0 = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                futures.add(http.sendAsync(get("a" + i), BodyHandlers.ofString()));
            }
            long issued = System.nanoTime() - t0;
            assertTrue(issued < delay.toNanos(), "issuing took longer than the delay: " + issued);
            for (int i = 0; i < calls; i++) {
                assertFalse(futures.get(i).isDone(), "a" + i + " answered before its hedge");
                List<String> reached = seen.get("a" + i);
                assertTrue(reached == null || reached.size() <= 1, "a hedge before the delay");
            }
            for (int i = 0; i < calls; i++) {
                HttpResponse<String> r = futures.get(i).get(20, TimeUnit.SECONDS);
                List<String> reached = seen.get("a" + i);
                assertEquals(2, reached.size(), reached.toString());
                assertEquals(reached.get(1), r.body(), "the hedge won");
            }
            long took = System.nanoTime() - t0;
            // Eight delays waited one after another would take 8 s on that single thread.
            assertTrue(took < 4 * delay.toNanos(), "the hedges waited in turn: " + took);
            for (int i = 0; i < calls; i++) {
                assertTrue(await(aborted.get("a" + i)), "a" + i + "'s loser was not aborted");
            }
            assertEquals(0, totalInFlight());
        } finally {
            one.shutdownNow();
        }
    }

    @Test
    void budget_capsHedges_exactly() throws Exception {
        startServers(2, slowFirst());
        int granted = 2;
        RetryBudget budget = budgetOf(granted);
        BalancedHttpClient http = hedgedAfter(Duration.ofMillis(50), budget).build();
        int calls = 4;
        int hedged = 0;
        for (int i = 0; i < calls; i++) {
            String id = "b" + i;
            HttpResponse<String> r = http.send(get(id), BodyHandlers.ofString());
            List<String> reached = seen.get(id);
            assertEquals(200, r.statusCode());
            if (reached.size() == 2) {
                hedged++;
                assertEquals(reached.get(1), r.body(), "the hedge answered first");
            } else {
                assertEquals(1, reached.size());
                assertEquals(reached.get(0), r.body().strip(), "unhedged: the slow answer");
            }
            assertEquals(0, totalInFlight());
        }
        assertEquals(granted, hedged, "hedges sent");
        assertEquals(granted, budget.retriesGranted());
        assertEquals(calls - granted, budget.retriesDenied(), "one refused hedge per later call");
        assertEquals(calls, budget.requests());
    }

    @Test
    void post_withoutIdempotencyKey_isNeverHedged_withOneIsHedgedWithItsBody() throws Exception {
        startServers(2, slowFirst());
        RetryBudget budget = RetryBudget.of();
        BalancedHttpClient http = hedgedAfter(Duration.ofMillis(50), budget).build();
        for (int i = 0; i < 2; i++) {
            String id = "p" + i;
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://orders/o"))
                    .header("x-id", id).POST(BodyPublishers.ofString("order " + i)).build(),
                    BodyHandlers.ofString());
            assertEquals(List.of(r.body().strip()), seen.get(id),
                    "a plain POST reached one endpoint");
        }
        assertEquals(0, budget.retriesGranted() + budget.retriesDenied(), "never asked");

        String id = "k";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://orders/o"))
                .header("x-id", id).header("Idempotency-Key", "order-42")
                .POST(BodyPublishers.ofString("order 42")).build(), BodyHandlers.ofString());
        List<String> reached = seen.get(id);
        assertEquals(2, reached.size(), reached.toString());
        assertEquals(reached.get(1), r.body());
        assertEquals("order 42", server(reached.get(1)).bodies.get(id), "the hedge's body");
        assertEquals(1, budget.retriesGranted());
        assertTrue(await(aborted.get(id)));
        assertEquals(0, totalInFlight());
    }

    @Test
    void failingHedge_startsNoRetry_theSlowAttemptAnswers() throws Exception {
        startServers(3, (id, arrival) -> arrival == 1 ? Answer.SLOW_200 : Answer.FAST_503);
        RetryBudget budget = RetryBudget.of();
        BalancedHttpClient http = hedgedAfter(Duration.ofMillis(50), budget).build();
        HttpResponse<String> r = http.send(get("f"), BodyHandlers.ofString());
        List<String> reached = seen.get("f");
        assertEquals(2, reached.size(), "no retry while the first attempt ran: " + reached);
        assertEquals(200, r.statusCode());
        assertEquals(reached.get(0), r.body().strip(), "the slow attempt's answer");
        assertEquals(1, budget.retriesGranted());
        assertEquals(0, totalInFlight());
    }

    @Test
    void everyAttemptFailing_isBoundedByMaxAttempts_hedgesIncluded() throws Exception {
        startServers(3, (id, arrival) -> arrival == 1 ? Answer.SLOW_503 : Answer.FAST_503);
        RetryBudget budget = RetryBudget.of();
        BalancedHttpClient http = hedgedAfter(Duration.ofMillis(50), budget)
                .retryPolicy(RetryPolicy.builder().maxAttempts(3)
                        .backoff(Duration.ZERO, Duration.ZERO).build())
                .build();
        HttpResponse<String> r = http.send(get("e"), BodyHandlers.ofString());
        List<String> reached = seen.get("e");
        // first (slow 503), hedge (503 at once: the first still runs, so nothing more), the
        // first's 503 (the last attempt running: one retry, attempt 3 of 3), its 503 returned
        assertEquals(3, reached.size(), reached.toString());
        assertEquals(3, Set.copyOf(reached).size(), "each attempt on another endpoint");
        assertEquals(503, r.statusCode());
        assertEquals(reached.get(2), r.body(), "the last attempt's answer is returned");
        assertEquals(2, budget.retriesGranted(), "one hedge and one retry");
        assertEquals(0, totalInFlight());
    }

    @Test
    void cancellingTheCall_cancelsEveryAttempt() throws Exception {
        startServers(3, (id, arrival) -> Answer.SLOW_200);
        BalancedHttpClient http = BalancedHttpClient.newBuilder(plain)
                .service("orders", lb)
                .hedgePolicy("orders", HedgePolicy.builder().delay(Duration.ofMillis(20))
                        .maxHedges(2).build())
                .build();
        CompletableFuture<HttpResponse<String>> f =
                http.sendAsync(get("x"), BodyHandlers.ofString());
        awaitTrue(() -> seen.getOrDefault("x", List.of()).size() >= 3);
        assertEquals(3, seen.get("x").size(), "the first attempt and two hedges");
        assertEquals(3, Set.copyOf(seen.get("x")).size());
        f.cancel(true);
        assertTrue(await(aborted.get("x")));
        awaitTrue(() -> totalInFlight() == 0);
        assertEquals(0, totalInFlight(), "all three picks released");
    }

    @Test
    void concurrentCalls_racingHedges_endWithNothingInFlight() throws Exception {
        slow = Duration.ofMillis(100);
        closeConnections = true; // arrivals per endpoint are then lbkit's attempts alone
        // A third of the calls meet a slow first attempt; the rest answer at once, some racing
        // their own hedge timer (5 ms) on a loaded machine.
        startServers(3, (id, arrival) -> arrival == 1 && !id.startsWith("fast-")
                ? Answer.SLOW_200 : Answer.FAST_200);
        RetryBudget budget = RetryBudget.of();
        BalancedHttpClient http = hedgedAfter(Duration.ofMillis(5), budget).build();
        int calls = 240;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<HttpResponse<String>>> results = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                String id = "z" + i;
                boolean slowFirst = i % 3 == 0;
                HttpRequest request = slowFirst ? get(id)
                        : HttpRequest.newBuilder(URI.create("http://orders/items/7"))
                                .header("x-id", "fast-" + id).build();
                results.add(pool.submit(() -> http.send(request, BodyHandlers.ofString())));
            }
            for (var f : results) {
                assertEquals(200, f.get(30, TimeUnit.SECONDS).statusCode());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, totalInFlight(), "every loser released");
        long successes = lb.stats().stream().mapToLong(EndpointStats::successes).sum();
        assertEquals(calls, successes, "one outcome per call: the winner's");
        int extra = 0;
        for (Map.Entry<String, List<String>> e : seen.entrySet()) {
            List<String> reached = e.getValue();
            extra += reached.size() - 1;
            assertEquals(reached.size(), Set.copyOf(reached).size(),
                    e.getKey() + ": one attempt per endpoint, was " + reached);
        }
        assertTrue(extra <= budget.retriesGranted(), extra + " > " + budget.retriesGranted());
        assertEquals(calls, budget.requests());
    }

    @Test
    void hedgePolicy_validatesService() throws IOException {
        startServers(1, slowFirst());
        BalancedHttpClient.Builder b = BalancedHttpClient.newBuilder(plain).service("orders", lb);
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> b.hedgePolicy("carts", HedgePolicy.of()));
        assertTrue(unknown.getMessage().contains("carts"), unknown.getMessage());
        HedgePolicy p95 = HedgePolicy.of();
        b.hedgePolicy("ORDERS", p95);
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> b.hedgePolicy("orders", HedgePolicy.of()));
        assertTrue(twice.getMessage().contains("hedgePolicy of orders"), twice.getMessage());
        b.service("carts", lb);
        assertThrows(IllegalArgumentException.class, () -> b.hedgePolicy("carts", p95),
                "a percentile policy learns one service's latency");
        HedgePolicy fixed = HedgePolicy.ofDelay(Duration.ofMillis(5));
        b.hedgePolicy("carts", fixed);
        BalancedHttpClient http = b.build();
        assertEquals(p95, http.hedgePolicy("orders").orElseThrow());
        assertEquals(fixed, http.hedgePolicy("Carts").orElseThrow());
        assertTrue(http.hedgePolicy("nothing").isEmpty());
    }
}
