package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.DynamicEndpointGroup;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.health.OutlierDetection;
import io.lbkit.retry.RetryPolicy;
import io.lbkit.strategy.Strategy;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A balanced call end to end over real JDK HttpServer backends on loopback: routing and the
 * request rewrite, one report per call, failure statuses, the retry rules with their bodies,
 * response bodies of every kind reported when they end, no endpoint, cancellation, the builder.
 */
/*
 * Why one file of over 400 lines: these are the behaviours the class javadoc of
 * BalancedHttpClient promises for a call, one test each, over one pair of backends; hedging,
 * the retry's endpoint choice, TLS, routes and sticky keys have their own test classes.
 */
@Timeout(30)
class BalancedHttpClientTest {

    private Backend a;
    private Backend b;
    private DynamicEndpointGroup group;
    private LoadBalancer lb;
    private final HttpClient plain = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        a = Backend.start("a");
        b = Backend.start("b");
        group = EndpointGroup.dynamic(a.endpoint(), b.endpoint());
        lb = LoadBalancer.builder(group).strategy(Strategy.roundRobin())
                .outlierDetection(OutlierDetection.disabled()).build();
    }

    @AfterEach
    void stop() {
        lb.close();
        a.close();
        b.close();
    }

    private BalancedHttpClient client() {
        return BalancedHttpClient.newBuilder(plain).service("orders", lb).build();
    }

    /** Makes both backends stream their responses until the returned latch opens. */
    private java.util.concurrent.CountDownLatch holdResponses() {
        java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        a.hold = gate;
        b.hold = gate;
        return gate;
    }

    /** Waits (up to 5 s) for the one call's report: a success, and nothing left in flight. */
    private void awaitOneSuccessAndNothingInFlight() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (total(EndpointStats::successes) != 1 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, total(EndpointStats::successes));
        assertEquals(0, total(EndpointStats::inFlight));
    }

    private static HttpRequest get(String uri) {
        return HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(10)).build();
    }

    private long total(java.util.function.ToLongFunction<EndpointStats> f) {
        return lb.stats().stream().mapToLong(f).sum();
    }

    @Test
    void send_rewritesLogicalHostToPickedEndpoint_keepingPathAndQuery() throws Exception {
        HttpResponse<String> r = client().send(get("http://orders/items/7?x=1%202"),
                BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertTrue(r.body().equals("a") || r.body().equals("b"));
        assertEquals("127.0.0.1", r.uri().getHost());
        assertEquals("/items/7", r.uri().getPath());
        assertEquals("x=1%202", r.uri().getRawQuery());
    }

    @Test
    void send_reportsEachCallOnceAndLeavesNothingInFlight() throws Exception {
        BalancedHttpClient http = client();
        for (int i = 0; i < 10; i++) {
            http.send(get("http://orders/"), BodyHandlers.ofString());
        }
        assertEquals(10, total(EndpointStats::successes));
        assertEquals(0, total(EndpointStats::failures));
        assertEquals(0, total(EndpointStats::inFlight));
    }

    @Test
    void send_passesOtherHostsThroughUnbalanced() throws Exception {
        HttpResponse<String> r = client().send(get("http://127.0.0.1:" + a.port() + "/"),
                BodyHandlers.ofString());
        assertEquals("a", r.body());
        assertEquals(0, total(EndpointStats::successes), "pass-through is not reported");
    }

    @Test
    void hostHeader_isTheEndpointByDefault() throws Exception {
        HttpResponse<String> r = client().send(get("http://ORDERS:9999/"), BodyHandlers.ofString());
        Backend served = r.body().equals("a") ? a : b;
        assertEquals("127.0.0.1:" + served.port(), served.lastHost.get());
    }

    @Test
    void status500_isAFailure_501IsNot() throws Exception {
        a.status = 500;
        b.status = 501;
        BalancedHttpClient http = BalancedHttpClient.newBuilder(plain).service("orders", lb)
                .retryPolicy(RetryPolicy.none()).build();
        for (int i = 0; i < 4; i++) {
            http.send(get("http://orders/"), BodyHandlers.ofString());
        }
        EndpointStats sa = lb.stats().get(0);
        EndpointStats sb = lb.stats().get(1);
        assertEquals(2, sa.failures());
        assertEquals(2, sb.successes());
    }

    @Test
    void status503_getIsRetriedOnTheOtherEndpoint() throws Exception {
        a.status = 503;
        BalancedHttpClient http = client();
        for (int i = 0; i < 20 && a.requests.get() < 3; i++) {
            HttpResponse<String> r = http.send(get("http://orders/"), BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("b", r.body());
        }
        assertTrue(a.requests.get() >= 3, "round robin sends first attempts to a too");
        assertEquals(a.requests.get(), lb.stats().get(0).failures(), "each 503 is a failure");
        assertEquals(b.requests.get(), lb.stats().get(1).successes());
        assertEquals(0, total(EndpointStats::inFlight));
    }

    @Test
    void status503_postIsNotRetried_unlessItCarriesAnIdempotencyKey() throws Exception {
        a.status = 503;
        b.status = 503;
        BalancedHttpClient http = client();
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://orders/"))
                .POST(BodyPublishers.ofString("order")).build();
        assertEquals(503, http.send(post, BodyHandlers.ofString()).statusCode());
        assertEquals(1, a.requests.get() + b.requests.get());

        HttpRequest keyed = HttpRequest.newBuilder(URI.create("http://orders/"))
                .header("Idempotency-Key", "k1").POST(BodyPublishers.ofString("order")).build();
        assertEquals(503, http.send(keyed, BodyHandlers.ofString()).statusCode());
        assertEquals(1 + 3, a.requests.get() + b.requests.get(), "3 attempts");
        assertEquals("order", b.lastBody.get(), "the body is replayed whole");
        assertEquals("order", a.lastBody.get());
    }

    @Test
    void connectRefused_postIsRetriedElsewhereWithItsBody() throws Exception {
        a.stop();
        BalancedHttpClient http = client();
        for (int i = 0; i < 20 && lb.stats().get(0).failures() < 2; i++) {
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://orders/"))
                    .POST(BodyPublishers.ofString("p" + i)).build();
            HttpResponse<String> r = http.send(post, BodyHandlers.ofString());
            assertEquals("b", r.body());
            assertEquals("p" + i, b.lastBody.get());
        }
        assertTrue(lb.stats().get(0).failures() >= 2, "refused attempts on a were retried on b");
        assertEquals(b.requests.get(), lb.stats().get(1).successes());
    }

    @Test
    void nonReplayableBody_isNotRetriedOnceRead() throws Exception {
        a.status = 503;
        b.status = 503;
        BalancedHttpClient http = BalancedHttpClient.newBuilder(plain).service("orders", lb)
                .replayBufferLimit(2).build();
        HttpRequest put = HttpRequest.newBuilder(URI.create("http://orders/"))
                .PUT(BodyPublishers.ofString("too long to keep")).build();
        assertEquals(503, http.send(put, BodyHandlers.ofString()).statusCode());
        assertEquals(1, a.requests.get() + b.requests.get());
    }

    @Test
    void sendAsync_bothVariantsBalanceAndReport() throws Exception {
        BalancedHttpClient http = client();
        CompletableFuture<HttpResponse<String>> one =
                http.sendAsync(get("http://orders/"), BodyHandlers.ofString());
        CompletableFuture<HttpResponse<String>> two = http.sendAsync(get("http://orders/"),
                BodyHandlers.ofString(), (initiating, push, accept) -> { });
        assertNotEquals(one.get(10, TimeUnit.SECONDS).body(), two.get(10, TimeUnit.SECONDS).body());
        assertEquals(2, total(EndpointStats::successes));
    }

    @Test
    void streamingBody_isReportedWhenItEnds() throws Exception {
        java.util.concurrent.CountDownLatch gate = holdResponses();
        BalancedHttpClient http = client();
        HttpResponse<InputStream> r = http.send(get("http://orders/"), BodyHandlers.ofInputStream());
        assertEquals(1, total(EndpointStats::inFlight), "in flight while the body streams");
        assertEquals(0, total(EndpointStats::successes));
        gate.countDown();
        try (InputStream in = r.body()) {
            assertEquals(2, new String(in.readAllBytes(), StandardCharsets.UTF_8).length());
        }
        awaitOneSuccessAndNothingInFlight();
    }

    @Test
    void bufferedAndCustomBodies_areReportedByTheTimeTheResponseReturns() throws Exception {
        BalancedHttpClient http = client();
        // a JDK subscriber, passed on unwrapped
        assertEquals(1, http.send(get("http://orders/"), BodyHandlers.ofString()).body().length());
        assertEquals(1, total(EndpointStats::successes));
        assertEquals(0, total(EndpointStats::inFlight));
        // a subscriber of another class whose body is ready only once the data is in
        HttpResponse<Integer> r = http.send(get("http://orders/"), info ->
                java.net.http.HttpResponse.BodySubscribers.mapping(
                        java.net.http.HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                        String::length));
        assertEquals(1, r.body());
        assertEquals(2, total(EndpointStats::successes));
        assertEquals(0, total(EndpointStats::inFlight));
        // async: reported before the future completes
        http.sendAsync(get("http://orders/"), BodyHandlers.discarding()).get(10, TimeUnit.SECONDS);
        assertEquals(3, total(EndpointStats::successes));
        assertEquals(0, total(EndpointStats::inFlight));
        // a failure status is a failure, also when the body is passed on unwrapped
        a.status = 500;
        b.status = 500;
        assertEquals(500, http.send(get("http://orders/"), BodyHandlers.ofString()).statusCode());
        assertEquals(1, total(EndpointStats::failures));
        assertEquals(0, total(EndpointStats::inFlight));
    }

    @Test
    void mappingSubscribers_runTheirMapperOnce_evenOverAStreamReadInTheMapper() throws Exception {
        BalancedHttpClient http = client();
        java.util.concurrent.atomic.AtomicInteger mapped = new java.util.concurrent.atomic.AtomicInteger();
        HttpResponse<Integer> r = http.send(get("http://orders/"), info ->
                java.net.http.HttpResponse.BodySubscribers.mapping(
                        java.net.http.HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                        body -> {
                            mapped.incrementAndGet();
                            return body.length();
                        }));
        assertEquals(1, r.body());
        assertEquals(1, mapped.get(), "the mapper ran once");

        // A mapper that reads the stream blocks until the data comes: it must run where the JDK
        // runs it, after the body is subscribed, not earlier.
        CompletableFuture<HttpResponse<String>> f = http.sendAsync(get("http://orders/"), info ->
                java.net.http.HttpResponse.BodySubscribers.mapping(
                        java.net.http.HttpResponse.BodySubscribers.ofInputStream(), in -> {
                            mapped.incrementAndGet();
                            try (InputStream s = in) {
                                return new String(s.readAllBytes(), StandardCharsets.UTF_8);
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }));
        assertEquals(1, f.get(10, TimeUnit.SECONDS).body().length());
        assertEquals(2, mapped.get());
        assertEquals(0, total(EndpointStats::inFlight));
    }

    @Test
    void aStreamingSubscriberOfTheCallersOwn_countsInFlightUntilItsBodyEnds() throws Exception {
        java.util.concurrent.CountDownLatch gate = holdResponses();
        BalancedHttpClient http = client();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        // Its body (a handle) is ready once subscribed, long before the data ends.
        HttpResponse<String> r = http.send(get("http://orders/"), info ->
                new java.net.http.HttpResponse.BodySubscriber<String>() {
                    private final CompletableFuture<String> body = new CompletableFuture<>();

                    @Override
                    public java.util.concurrent.CompletionStage<String> getBody() {
                        return body;
                    }

                    @Override
                    public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                        body.complete("handle");
                        s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(List<java.nio.ByteBuffer> item) {}

                    @Override
                    public void onError(Throwable t) {
                        done.countDown();
                    }

                    @Override
                    public void onComplete() {
                        done.countDown();
                    }
                });
        assertEquals("handle", r.body());
        assertEquals(1, total(EndpointStats::inFlight), "in flight while the body streams");
        assertEquals(0, total(EndpointStats::successes));
        gate.countDown();
        assertTrue(done.await(10, TimeUnit.SECONDS));
        awaitOneSuccessAndNothingInFlight();
    }

    @Test
    void anEndpointJavaNetUriCannotAddress_failsAndIsRetriedElsewhere_sendAndSendAsync()
            throws Exception {
        io.lbkit.Endpoint underscore = io.lbkit.Endpoint.of("my_service", b.port());
        group.set(List.of(a.endpoint(), underscore)); // round robin: every other first attempt
        BalancedHttpClient http = client();
        for (int i = 0; i < 10; i++) {
            assertEquals("a", http.send(get("http://orders/"), BodyHandlers.ofString()).body());
            assertEquals("a", http.sendAsync(get("http://orders/"), BodyHandlers.ofString())
                    .get(10, TimeUnit.SECONDS).body());
        }
        EndpointStats bad = lb.stats().stream()
                .filter(st -> st.endpoint().equals(underscore)).findFirst().orElseThrow();
        assertTrue(bad.failures() > 0, "attempts on it are its failures (outlier detection is "
                + "off here; on, it would be ejected)");
        assertEquals(0, bad.successes());
        assertEquals(20, a.requests.get(), "every call served once, by a");
        assertEquals(0, total(EndpointStats::inFlight));
        assertEquals(0, b.requests.get(), "nothing was sent to its port");

        group.set(List.of(underscore));
        java.net.ConnectException e = assertThrows(java.net.ConnectException.class,
                () -> http.send(get("http://orders/"), BodyHandlers.ofString()));
        assertTrue(e.getMessage().contains("my_service"), e.getMessage());
    }

    @Test
    void emptyGroup_failsAtOnceWithNoEndpointAvailable() throws Exception {
        group.set(List.of());
        BalancedHttpClient http = client();
        NoEndpointAvailableException e = assertThrows(NoEndpointAvailableException.class,
                () -> http.send(get("http://orders/"), BodyHandlers.ofString()));
        assertEquals(NoEndpointAvailableException.Reason.EMPTY, e.reason());
        ExecutionException async = assertThrows(ExecutionException.class,
                () -> http.sendAsync(get("http://orders/"), BodyHandlers.ofString())
                        .get(5, TimeUnit.SECONDS));
        assertInstanceOf(NoEndpointAvailableException.class, async.getCause());
        group.add(a.endpoint());
        assertEquals("a", http.send(get("http://orders/"), BodyHandlers.ofString()).body());
    }

    @Test
    void allRefused_failsWithTheLastConnectExceptionAfterMaxAttempts() throws Exception {
        a.stop();
        b.stop();
        BalancedHttpClient http = client();
        long start = System.nanoTime();
        ConnectException e = assertThrows(ConnectException.class,
                () -> http.send(get("http://orders/"), BodyHandlers.ofString()));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
        assertEquals(2, e.getSuppressed().length, "three attempts: the first two suppressed");
        assertEquals(3, total(EndpointStats::failures));
    }

    @Test
    void cancel_releasesThePick() throws Exception {
        BalancedHttpClient http = client();
        CompletableFuture<HttpResponse<InputStream>> f =
                http.sendAsync(get("http://orders/"), BodyHandlers.ofInputStream());
        f.get(10, TimeUnit.SECONDS).body().close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (total(EndpointStats::inFlight) != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, total(EndpointStats::inFlight));
    }

    @Test
    void builder_rejectsBadServiceNamesAndRepeatedOptions() {
        BalancedHttpClient.Builder builder = BalancedHttpClient.newBuilder(plain);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.service("orders:80", lb));
        assertTrue(e.getMessage().contains("service name"), e.getMessage());
        for (String bad : new String[] {"a..b", "-orders", "orders-", "999.999.999.999",
            "x".repeat(64) + ".internal"}) {
            IllegalArgumentException grammar = assertThrows(IllegalArgumentException.class,
                    () -> builder.service(bad, lb), bad);
            assertTrue(grammar.getMessage().startsWith("service name must be a host name"),
                    grammar.getMessage());
        }
        builder.service("orders", lb);
        assertThrows(IllegalStateException.class, () -> builder.service("ORDERS", lb));
        builder.retryPolicy(RetryPolicy.none());
        assertThrows(IllegalStateException.class, () -> builder.retryPolicy(RetryPolicy.of()));
        IllegalArgumentException limit = assertThrows(IllegalArgumentException.class,
                () -> builder.replayBufferLimit(-1));
        assertTrue(limit.getMessage().contains("replayBufferLimit must be in 0.."));
        assertThrows(IllegalStateException.class,
                () -> BalancedHttpClient.newBuilder(plain).build());
    }

    @Test
    void serviceAccessors_matchNamesAsTheBuilderDid_strippedAndInAnyCase() {
        BalancedHttpClient http = BalancedHttpClient.newBuilder(plain).service(" Orders ", lb)
                .build();
        assertEquals(Set.of("orders"), http.services());
        for (String name : new String[] {"orders", "ORDERS", " orders ", "\torders\n"}) {
            assertEquals(Optional.of(lb), http.loadBalancer(name), name);
            assertTrue(http.retryBudget(name).isPresent(), name);
            assertEquals(Optional.empty(), http.hedgePolicy(name), name);
        }
        assertEquals(Optional.empty(), http.loadBalancer("payments"));
        assertThrows(NullPointerException.class, () -> http.loadBalancer(null));
    }
}
