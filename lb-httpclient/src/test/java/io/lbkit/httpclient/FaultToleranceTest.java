package io.lbkit.httpclient;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lbkit.EndpointGroup;
import io.lbkit.EndpointStats;
import io.lbkit.LoadBalancer;
import io.lbkit.health.OutlierDetection;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Calls at concurrency 32 over three loopback backends; one is stopped abruptly after a quarter of
 * the calls and restarted after 60%: 20,000 GETs, and 6,000 POSTs (to keep the module's tests
 * near a minute on a loaded 2-core machine). Default strategy, retry policy and retry budget;
 * outlier detection with a short ejection so that the restarted backend returns within the test.
 */
@Timeout(60)
class FaultToleranceTest {

    private static final int CONCURRENCY = 32;

    private final Backend[] backends = new Backend[3];
    private LoadBalancer lb;
    private BalancedHttpClient http;
    private HttpClient plain;
    private ExecutorService pool;

    @BeforeEach
    void start() throws IOException {
        for (int i = 0; i < backends.length; i++) {
            backends[i] = Backend.start("b" + i);
        }
        lb = LoadBalancer.builder(EndpointGroup.of(backends[0].endpoint(),
                        backends[1].endpoint(), backends[2].endpoint()))
                .outlierDetection(OutlierDetection.builder()
                        .baseEjectionTime(Duration.ofMillis(200))
                        .maxEjectionTime(Duration.ofSeconds(1))
                        .build())
                .build();
        plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        http = BalancedHttpClient.newBuilder(plain).service("orders", lb).build();
        pool = Executors.newFixedThreadPool(CONCURRENCY);
    }

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        lb.close();
        for (Backend b : backends) {
            b.close();
        }
    }

    /** The outcome of a run: the calls that failed, with their exceptions. */
    private Queue<Throwable> run(boolean post, int calls) throws Exception {
        int stopAt = calls / 4;
        int restartAt = calls * 6 / 10;
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        CountDownLatch stopNow = new CountDownLatch(1);
        CountDownLatch restartNow = new CountDownLatch(1);
        Queue<Throwable> failed = new ConcurrentLinkedQueue<>();
        Backend victim = backends[2];
        Thread control = new Thread(() -> {
            try {
                stopNow.await();
                victim.stop();
                restartNow.await();
                victim.restart();
            } catch (InterruptedException | IOException e) {
                failed.add(e);
            }
        }, "fault-control");
        control.start();
        Future<?>[] workers = new Future<?>[CONCURRENCY];
        for (int w = 0; w < CONCURRENCY; w++) {
            workers[w] = pool.submit(() -> {
                for (int id = next.getAndIncrement(); id < calls; id = next.getAndIncrement()) {
                    HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create("http://orders/x"))
                            .header("x-id", Integer.toString(id))
                            .timeout(Duration.ofSeconds(10));
                    if (post) {
                        rb.POST(BodyPublishers.ofString("order " + id));
                    }
                    try {
                        int status = http.send(rb.build(), BodyHandlers.ofString()).statusCode();
                        if (status != 200) {
                            failed.add(new AssertionError("status " + status));
                        }
                    } catch (IOException e) {
                        failed.add(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    int n = done.incrementAndGet();
                    if (n == stopAt) {
                        stopNow.countDown();
                    } else if (n == restartAt) {
                        restartNow.countDown();
                    }
                }
            });
        }
        for (Future<?> f : workers) {
            f.get(50, TimeUnit.SECONDS);
        }
        control.join(10_000);
        assertFalse(control.isAlive());
        assertEquals(calls, done.get());
        return failed;
    }

    private void assertVictimServesAgain() throws Exception {
        Backend victim = backends[2];
        int before = victim.requests.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (victim.requests.get() == before && System.nanoTime() < deadline) {
            http.send(HttpRequest.newBuilder(URI.create("http://orders/")).build(),
                    BodyHandlers.discarding());
        }
        assertTrue(victim.requests.get() > before, "the restarted backend takes calls again");
    }

    @Test
    void get_noCallFailsWhenABackendStopsAndRestarts() throws Exception {
        Queue<Throwable> failed = run(false, 20_000);
        assertEquals(List.of(), List.copyOf(failed), "failed GETs");
        EndpointStats victim = lb.stats().get(2);
        assertTrue(victim.failures() > 0, "the stopped backend's attempts failed: " + victim);
        assertTrue(victim.ejections() > 0, "and it was ejected: " + victim);
        assertVictimServesAgain();
        int served = 0;
        for (Backend b : backends) {
            served += b.ids.size();
        }
        assertTrue(served >= 20_000, "every call was served, some twice by retries: " + served);
        assertEquals(0, lb.stats().stream().mapToInt(EndpointStats::inFlight).sum());
    }

    @Test
    void post_isRetriedOnlyWhenItNeverReachedAServer() throws Exception {
        Queue<Throwable> failed = run(true, 20_000);
        for (Throwable t : failed) {
            assertTrue(t instanceof IOException && !(t instanceof ConnectException),
                    "only calls that may have reached the stopped backend fail: " + t);
        }
        assertTrue(failed.size() <= CONCURRENCY,
                "at most the calls in flight at the stop fail: " + failed.size());
        for (Backend b : backends) {
            for (Map.Entry<String, Integer> e : b.ids.entrySet()) {
                assertEquals(1, e.getValue(), "POST " + e.getKey() + " sent twice to " + b.name);
            }
        }
        for (Map.Entry<String, Integer> e : backends[2].ids.entrySet()) {
            assertFalse(backends[0].ids.containsKey(e.getKey())
                    || backends[1].ids.containsKey(e.getKey()),
                    "POST " + e.getKey() + " reached two backends");
        }
        int served = 0;
        for (Backend b : backends) {
            served += b.ids.size();
        }
        assertTrue(served >= 20_000 - failed.size(), "served " + served);
        EndpointStats victim = lb.stats().get(2);
        assertTrue(victim.failures() > failed.size(),
                "refused POSTs were retried elsewhere: " + victim + ", failed " + failed.size());
        assertVictimServesAgain();
    }
}
