package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.Endpoint;
import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.LoadBalancerObserver;
import io.lbkit.health.HealthEvent;
import io.lbkit.health.HealthStatus;
import io.lbkit.health.OutlierDetection;
import io.lbkit.strategy.Strategy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several backends failing at once (issue 13, docs/failure-model.md), against five JDK HttpServer
 * backends on loopback, with the default balancer, retry policy and retry budget: one backend
 * killed, one hanging until the 500 ms request timeout, one answering 503, all at the same
 * moment; then recovery.
 *
 * <p>The fault test runs at issue 13's scale in {@code mvn verify}: 256 concurrent calls, each a
 * blocking {@code send} on its own thread, a 500 ms request timeout, 20,000 calls with the faults
 * in force ({@code -Dlbkit.multiFault.concurrency}, {@code .timeoutMillis} and {@code .calls}
 * change it). A second test drives the same faults through {@code sendAsync}, whose retries take
 * another code path, at 32 concurrent calls, a 2 s timeout and 5,000 calls: on JDK 17 the
 * asynchronous client costs several times the blocking one per call (docs/proxy-bench.md), and
 * at 256 concurrent calls a 2-core machine served only 1,300 to 3,500 of them a second, client
 * and five servers together, so queueing alone came near the 500 ms timeout and the outcome was
 * the machine's throughput, not the balancer's choices (in CI's whole build one call of 20,000
 * failed that way, 2026-12-02; the blocking test served 4,000 to 6,600 calls a second on the same
 * machine with a load average of 10 to 14). The phase before the faults checks that the machine
 * serves the healthy pool within the timeout at the chosen scale, and that all five are still
 * healthy when the faults start (a working backend ejected by warm-up timeouts would leave one
 * for all the calls); when it cannot, the test is skipped with a message, except under
 * {@code CI=true}, where it fails. A failed call prints a trace of the fault phase
 * ({@link Trace}) and which backends each failed call's attempts reached.
 */
@Timeout(180)
class MultiFaultTest {

    private static final int CONCURRENCY = Integer.getInteger("lbkit.multiFault.concurrency", 256);
    private static final Duration REQUEST_TIMEOUT =
            Duration.ofMillis(Long.getLong("lbkit.multiFault.timeoutMillis", 500));
    private static final int CALLS = Integer.getInteger("lbkit.multiFault.calls", 20_000);
    /** The scale of the {@code sendAsync} fault test (see the class comment). */
    private static final int ASYNC_CONCURRENCY = 32;
    private static final Duration ASYNC_TIMEOUT = Duration.ofSeconds(2);
    private static final int ASYNC_CALLS = 5_000;
    /** The request timeout of the tests about shares, generous: they count, they do not time. */
    private static final Duration SHARE_TIMEOUT = Duration.ofSeconds(5);

    private final Backend[] backends = new Backend[5];
    private LoadBalancer lb;

    /**
     * Warms the JVM (the JDK client and server code and lbkit's pick path, through every
     * strategy the tests use) before the first test, so that the tests do not depend on their
     * order. Without it the first strategy ran on a JVM still compiling: 256 concurrent calls of
     * the all-working warm-up phase took 2.4 to 3.2 s (p99 up to 1,230 ms) for whichever strategy
     * ran first and 0.9 to 1.3 s for the later ones, and its fault phase took 13 to 16 s against
     * 7 to 9 s (2026-12-02, quiet 2-core machine), and every failed call (1 to 6 of 20,000 in 4
     * of 7 runs) came from that first test; with it, 7 runs had none (docs/failure-model.md).
     */
    @BeforeAll
    static void warmTheJvm() throws Exception {
        Backend[] warm = new Backend[5];
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < warm.length; i++) {
            warm[i] = Backend.start("w" + i);
            eps.add(warm[i].endpoint());
        }
        try {
            for (String s : new String[] {"leastRequest", "peakEwma", "roundRobin"}) {
                try (LoadBalancer warmLb = LoadBalancer.builder(EndpointGroup.of(eps))
                        .strategy(strategy(s)).build()) {
                    BalancedHttpClient http = BalancedHttpClient.newBuilder(client())
                            .service("svc", warmLb).build();
                    Phase p = new Load(http, CONCURRENCY, SHARE_TIMEOUT, true).calls(5_000);
                    assertEquals(5_000, p.calls(), () -> "warm-up " + s + ": " + p);
                    Phase a = new Load(http, ASYNC_CONCURRENCY, SHARE_TIMEOUT, false).calls(2_000);
                    assertEquals(2_000, a.calls(), () -> "warm-up " + s + " async: " + a);
                }
            }
        } finally {
            for (Backend b : warm) {
                b.close();
            }
        }
    }

    @BeforeEach
    void start() throws IOException {
        for (int i = 0; i < backends.length; i++) {
            backends[i] = Backend.start("b" + i);
        }
    }

    @AfterEach
    void stop() {
        if (lb != null) {
            lb.close();
        }
        for (Backend b : backends) {
            b.close();
        }
    }

    private EndpointGroup group() {
        List<Endpoint> eps = new ArrayList<>();
        for (Backend b : backends) {
            eps.add(b.endpoint());
        }
        return EndpointGroup.of(eps);
    }

    /** The wrapped client: JDK defaults, HTTP/1.1 (the backends speak nothing else). */
    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    private static Strategy strategy(String name) {
        switch (name) {
            case "leastRequest": return Strategy.leastRequest();
            case "peakEwma": return Strategy.peakEwma();
            case "roundRobin": return Strategy.roundRobin();
            default: throw new IllegalArgumentException(name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"leastRequest", "peakEwma", "roundRobin"})
    void killedHangingAnd503AtOnce_noIdempotentCallFails_p99WithinTwiceTheTimeout(
            String strategy) throws Exception {
        killedHangingAnd503AtOnce(strategy, CONCURRENCY, REQUEST_TIMEOUT, CALLS, true);
    }

    @ParameterizedTest
    @ValueSource(strings = {"leastRequest", "peakEwma", "roundRobin"})
    void killedHangingAnd503AtOnce_sendAsync_noIdempotentCallFails_p99WithinTwiceTheTimeout(
            String strategy) throws Exception {
        killedHangingAnd503AtOnce(strategy, ASYNC_CONCURRENCY, ASYNC_TIMEOUT, ASYNC_CALLS, false);
    }

    private void killedHangingAnd503AtOnce(String strategy, int concurrency, Duration timeout,
            int calls, boolean blocking) throws Exception {
        String mode = strategy + (blocking ? " send" : " sendAsync");
        lb = LoadBalancer.builder(group()).strategy(strategy(strategy)).build(); // defaults
        BalancedHttpClient http = BalancedHttpClient.newBuilder(client())
                .service("svc", lb).build();
        // Warm-up, not judged: opens the client's connections to every backend and lets the JIT
        // compile both sides, so the judged phases measure balancing, not a cold start.
        new Load(http, concurrency, SHARE_TIMEOUT, blocking).calls(3_000);
        Load load = new Load(http, concurrency, timeout, blocking);
        Phase warm = load.calls(3_000);
        System.out.printf("%s, all 5 working: %s%n", mode, warm);
        if (!warm.failures.isEmpty() && !"true".equals(System.getenv("CI"))) {
            System.err.println("SKIPPED: this machine fails calls to healthy backends at "
                    + concurrency + " concurrent calls within " + timeout + " (" + warm
                    + "); see the class comment for a smaller scale");
        }
        Assumptions.assumeTrue(warm.failures.isEmpty() || "true".equals(System.getenv("CI")),
                "machine too busy for the test's scale: " + warm);
        assertEquals(0, warm.failures.size(), () -> "before the faults: " + warm);
        // The scenario is five working backends of which three fail at once: an attempt that
        // timed out while the machine was busy can have had a working one ejected already
        // (seen on the shared machine), which would leave one working backend for 256 calls.
        List<String> ejected = new ArrayList<>();
        for (EndpointStats s : lb.stats()) {
            if (s.health() != HealthStatus.HEALTHY) {
                ejected.add(s.endpoint() + " " + s.health());
            }
        }
        Assumptions.assumeTrue(ejected.isEmpty() || "true".equals(System.getenv("CI")),
                "machine too busy for the test's scale: before the faults " + ejected);
        assertEquals(List.of(), ejected, "before the faults");

        Trace trace = new Trace(lb);
        backends[0].stop(); // killed: connections refused
        backends[1].hang(); // accepts, never answers
        backends[2].status = 503;
        Phase faults = load.calls(calls);
        trace.close();
        if (!faults.failures.isEmpty() || Boolean.getBoolean("lbkit.multiFault.trace")) {
            System.out.println(mode + " trace:\n" + trace + "\n" + faults.failures);
            for (String f : faults.failures) {
                String id = f.split(" ")[1];
                StringBuilder sb = new StringBuilder("call " + id + " reached:");
                for (Backend b : backends) {
                    sb.append(' ').append(b.name).append(':').append(b.port()).append('=')
                            .append(b.ids.getOrDefault(id, 0));
                }
                System.out.println(sb);
            }
        }
        // Issue 13's goal: not one failed call. The calls that used to fail started in the first
        // milliseconds, before the bad backends had failed twice (known to be failing), and their
        // three attempts landed on the three bad ones; a retry now also passes over an endpoint
        // whose latest call failed (docs/failure-model.md, section 5).
        assertEquals(List.of(), List.copyOf(faults.failures), () -> mode + ": " + faults);
        assertTrue(faults.p99Millis() <= 2 * timeout.toMillis(),
                () -> mode + ": p99 " + faults.p99Millis() + " ms; " + faults);
        System.out.printf("%s, 3 of 5 failing: %s%n", mode, faults);
    }

    @ParameterizedTest
    @ValueSource(strings = {"leastRequest", "peakEwma", "roundRobin"})
    void recoveredBackend_backToHalfItsFairShare_withinEjectionTimePlusTwoSeconds(
            String strategy) throws Exception {
        Duration ejection = Duration.ofSeconds(1); // short, to keep the test short
        lb = LoadBalancer.builder(group()).strategy(strategy(strategy))
                .outlierDetection(OutlierDetection.builder().baseEjectionTime(ejection).build())
                .build();
        BalancedHttpClient http = BalancedHttpClient.newBuilder(client())
                .service("svc", lb).build();
        Load load = new Load(http, 32, SHARE_TIMEOUT, false);
        load.calls(1_000);
        backends[0].status = 503;
        Phase outage = load.time(Duration.ofSeconds(1));
        assertEquals(0, outage.failures.size(), () -> "during the outage: " + outage);
        backends[0].status = 200; // recovered
        // The bound: 2 s after its ejection time (this also covers the 10 s bound of an
        // endpoint that was only penalised, not ejected); measure the second after it.
        load.time(ejection.plusSeconds(2));
        int[] before = counts();
        Phase after = load.time(Duration.ofSeconds(1));
        int[] now = counts();
        long total = 0;
        for (int i = 0; i < backends.length; i++) {
            total += now[i] - before[i];
        }
        double fair = total / 5.0;
        int mine = now[0] - before[0];
        assertTrue(mine >= fair / 2, () -> strategy + ": the recovered backend got " + mine
                + " of " + (int) (fair * 5) + " calls in the second after the bound; "
                + lb.stats());
        assertEquals(0, after.failures.size(), () -> "after recovery: " + after);
    }

    @ParameterizedTest
    @CsvSource({"leastRequest, true", "leastRequest, false", "peakEwma, true",
        "peakEwma, false"})
    void fastFailingBackend_getsLessThanHalfAHealthyOnesTraffic(String strategy,
            boolean outlierDetection) throws Exception {
        lb = LoadBalancer.builder(group()).strategy(strategy(strategy))
                .outlierDetection(outlierDetection ? OutlierDetection.ofDefaults()
                        : OutlierDetection.disabled())
                .build();
        BalancedHttpClient http = BalancedHttpClient.newBuilder(client())
                .service("svc", lb).build();
        Load load = new Load(http, 32, SHARE_TIMEOUT, false);
        load.calls(500);
        backends[0].status = 503;
        int[] before = counts();
        Phase phase = load.calls(5_000);
        int[] now = counts();
        int bad = now[0] - before[0];
        int leastHealthy = Integer.MAX_VALUE;
        for (int i = 1; i < backends.length; i++) {
            leastHealthy = Math.min(leastHealthy, now[i] - before[i]);
        }
        int least = leastHealthy;
        assertTrue(2 * bad < least, () -> strategy + " outlierDetection=" + outlierDetection
                + ": the 503 backend got " + bad + " attempts, the least busy healthy one "
                + least + "; " + phase);
    }

    /**
     * What the balancer did during the fault phase, printed when a call failed (or with
     * {@code -Dlbkit.multiFault.trace=true}): its health events, and every 20 ms each endpoint's
     * health, calls in flight, successes and failures, so a failure can be told apart as the
     * balancer's (calls sent to failing endpoints, load piled on one working endpoint) or the
     * machine's (working endpoints timing out calls with the load spread evenly).
     */
    private static final class Trace implements AutoCloseable {
        static volatile long origin;
        private final long t0 = System.nanoTime();
        private final Queue<String> lines = new ConcurrentLinkedQueue<>();
        private final EndpointGroup.Subscription sub;
        private final Thread sampler;

        Trace(LoadBalancer lb) {
            origin = t0;
            sub = lb.observe(new LoadBalancerObserver() {
                @Override
                public void onHealthEvent(HealthEvent e) {
                    lines.add(ms() + " event " + e);
                }
            });
            sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    StringBuilder sb = new StringBuilder(ms() + " ");
                    for (EndpointStats s : lb.stats()) {
                        sb.append(String.format("[%d %s f%d s%d x%d] ", s.endpoint().port(),
                                s.health(), s.inFlight(), s.successes(), s.failures()));
                    }
                    lines.add(sb.toString());
                    try {
                        Thread.sleep(20); // sampling period of a diagnostic, not synchronisation
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
        }

        private String ms() {
            return String.format("%6d", (System.nanoTime() - t0) / 1_000_000);
        }

        @Override
        public void close() {
            sampler.interrupt();
            sub.close();
        }

        @Override
        public String toString() {
            return String.join("\n", lines);
        }
    }

    private int[] counts() {
        int[] c = new int[backends.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = backends[i].requests.get();
        }
        return c;
    }

    /** What one phase measured. */
    private record Phase(int calls, Queue<String> failures, long[] latencies, double seconds) {
        long p99Millis() {
            long[] sorted = latencies.clone();
            Arrays.sort(sorted);
            return sorted.length == 0 ? 0
                    : TimeUnit.NANOSECONDS.toMillis(sorted[(int) Math.ceil(0.99 * sorted.length) - 1]);
        }

        @Override
        public String toString() {
            List<String> sample = new ArrayList<>(failures).subList(0, Math.min(5, failures.size()));
            return String.format("%d calls in %.1f s, %d failed %s, p99 %d ms", calls, seconds,
                    failures.size(), sample, p99Millis());
        }
    }

    /**
     * A closed loop of {@code concurrency} callers, each sending a GET with the request timeout
     * and the next as soon as it completes: threads calling the blocking {@code send}, or
     * asynchronous callers chained on {@code sendAsync}.
     */
    private static final class Load {
        private final BalancedHttpClient http;
        private final int concurrency;
        private final HttpRequest request;
        private final boolean blocking;
        private final AtomicInteger ids = new AtomicInteger();

        Load(BalancedHttpClient http, int concurrency, Duration timeout, boolean blocking) {
            this.http = http;
            this.concurrency = concurrency;
            this.blocking = blocking;
            this.request = HttpRequest.newBuilder(URI.create("http://svc/x")).timeout(timeout)
                    .build();
        }

        Phase calls(int calls) throws InterruptedException {
            return run(calls, Long.MAX_VALUE);
        }

        Phase time(Duration d) throws InterruptedException {
            return run(Integer.MAX_VALUE, System.nanoTime() + d.toNanos());
        }

        private Phase run(int calls, long deadline) throws InterruptedException {
            Run run = new Run(calls, deadline);
            if (blocking) {
                Thread[] threads = new Thread[concurrency];
                for (int i = 0; i < concurrency; i++) {
                    threads[i] = new Thread(() -> {
                        for (long start; (start = run.claim()) != 0; ) {
                            String id = Integer.toString(ids.incrementAndGet());
                            try {
                                run.done(id, start, http.send(request(id), BodyHandlers.discarding()),
                                        null);
                            } catch (IOException | RuntimeException e) {
                                run.done(id, start, null, e);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                        run.finished.countDown();
                    }, "caller-" + i);
                    threads[i].setDaemon(true);
                    threads[i].start();
                }
            } else {
                for (int i = 0; i < concurrency; i++) {
                    next(run);
                }
            }
            assertTrue(run.finished.await(100, TimeUnit.SECONDS), "load did not finish");
            return run.phase();
        }

        private HttpRequest request(String id) {
            return HttpRequest.newBuilder(request, (k, v) -> true).header("x-id", id).build();
        }

        /** Sends the next call of {@code run} asynchronously, chaining the one after it. */
        private void next(Run run) {
            long start = run.claim();
            if (start == 0) {
                run.finished.countDown();
                return;
            }
            String id = Integer.toString(ids.incrementAndGet());
            http.sendAsync(request(id), BodyHandlers.discarding()).whenComplete((r, e) -> {
                run.done(id, start, r, e == null ? null : BalancedCall.unwrap(e));
                next(run);
            });
        }

        /** One phase's calls as they run: started, completed, failed, and their latencies. */
        private final class Run {
            final int calls;
            final long deadline;
            final long t0 = System.nanoTime();
            final AtomicInteger started = new AtomicInteger();
            final AtomicInteger done = new AtomicInteger();
            final Queue<String> failures = new ConcurrentLinkedQueue<>();
            final long[] latencies;
            final AtomicLong recorded = new AtomicLong();
            final CountDownLatch finished = new CountDownLatch(concurrency);

            Run(int calls, long deadline) {
                this.calls = calls;
                this.deadline = deadline;
                this.latencies = new long[calls == Integer.MAX_VALUE ? 1 << 20 : calls];
            }

            /** The start time of the next call, or 0 when the phase has all its calls. */
            long claim() {
                long now = System.nanoTime();
                return started.getAndIncrement() >= calls || now >= deadline ? 0 : now;
            }

            void done(String id, long start, HttpResponse<Void> r, Throwable t) {
                long i = recorded.getAndIncrement();
                if (i < latencies.length) {
                    latencies[(int) i] = System.nanoTime() - start;
                }
                if (t != null) {
                    failures.add(String.format("id %s started %d ms, %d ms long: %s %s",
                            id, (start - Trace.origin) / 1_000_000, (System.nanoTime() - start)
                            / 1_000_000, t, Arrays.toString(t.getSuppressed())));
                } else if (r.statusCode() != 200) {
                    failures.add(String.format("id %s started %d ms: status %d", id,
                            (start - Trace.origin) / 1_000_000, r.statusCode()));
                }
                done.incrementAndGet();
            }

            Phase phase() {
                int n = (int) Math.min(recorded.get(), latencies.length);
                return new Phase(done.get(), failures, Arrays.copyOf(latencies, n),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }

}
