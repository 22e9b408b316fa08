package io.lbkit.proxybench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A closed-loop load: {@code concurrency} virtual users, each on its own platform thread, send
 * GETs back to back with a blocking {@code send} for a warm-up and then a measured period.
 * A call counts towards the measurement when it <em>starts</em> in the measured period; its
 * latency is from before {@code send} until the whole body is read. Thread-safe: each
 * {@link #run} call is independent.
 */
final class ClosedLoop {

    /** 5 s: far above loopback latencies; bounds a call if a server or HAProxy hangs. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    private ClosedLoop() {}

    /**
     * What one case measured.
     *
     * @param name the case
     * @param requests successful calls that started in the measured period
     * @param errors failed calls (exception or a status other than 200) that started in the
     *     measured period
     * @param seconds the measured period
     * @param p50Nanos median latency of the successful measured calls
     * @param p99Nanos 99th percentile latency of the successful measured calls
     * @param totalOk successful calls over the whole run, warm-up included
     * @param totalErrors failed calls over the whole run, warm-up included
     * @param firstError the first failure seen, or empty
     */
    record Result(String name, long requests, long errors, double seconds, long p50Nanos,
            long p99Nanos, long totalOk, long totalErrors, String firstError) {

        double throughput() {
            return requests / seconds;
        }
    }

    /** One virtual user's tallies; confined to its thread until its future completes. */
    private static final class User {
        long[] latencies = new long[1 << 12];
        int n;
        long errors;
        long totalOk;
        long totalErrors;
        String firstError = "";

        void record(long nanos) {
            if (n == latencies.length) {
                latencies = java.util.Arrays.copyOf(latencies, n * 2);
            }
            latencies[n++] = nanos;
        }
    }

    /**
     * Runs the load and returns what it measured; returns within about
     * {@code warmup + duration + } {@link #REQUEST_TIMEOUT}.
     */
    static Result run(String name, HttpClient client, URI uri, int concurrency, Duration warmup,
            Duration duration) throws InterruptedException {
        return run(name, client, uri, concurrency, warmup, duration, false);
    }

    /**
     * As {@link #run(String, HttpClient, URI, int, Duration, Duration)}; with {@code async},
     * each call is {@code sendAsync(..).get()} instead of {@code send(..)}.
     */
    static Result run(String name, HttpClient client, URI uri, int concurrency, Duration warmup,
            Duration duration, boolean async) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "vu-" + name);
            t.setDaemon(true);
            return t;
        });
        List<Future<User>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < concurrency; i++) {
                futures.add(pool.submit(() -> loop(client, request, measureFrom, end, async)));
            }
            List<User> users = new ArrayList<>();
            long waitUntil = end + REQUEST_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(2);
            for (Future<User> f : futures) {
                try {
                    users.add(f.get(Math.max(0, waitUntil - System.nanoTime()),
                            TimeUnit.NANOSECONDS));
                } catch (ExecutionException | TimeoutException e) {
                    throw new IllegalStateException("virtual user of " + name + " failed", e);
                }
            }
            return summarise(name, users, duration);
        } finally {
            pool.shutdownNow();
        }
    }

    private static User loop(HttpClient client, HttpRequest request, long measureFrom, long end,
            boolean async) throws InterruptedException {
        User u = new User();
        for (long t0 = System.nanoTime(); t0 < end; t0 = System.nanoTime()) {
            boolean ok;
            String error = null;
            try {
                HttpResponse<byte[]> r = async
                        ? client.sendAsync(request, BodyHandlers.ofByteArray()).get()
                        : client.send(request, BodyHandlers.ofByteArray());
                ok = r.statusCode() == 200;
                if (!ok) {
                    error = "status " + r.statusCode();
                }
            } catch (IOException | ExecutionException | RuntimeException e) {
                ok = false;
                error = e.toString();
            }
            long latency = System.nanoTime() - t0;
            boolean measured = t0 >= measureFrom;
            if (ok) {
                u.totalOk++;
                if (measured) {
                    u.record(latency);
                }
            } else {
                u.totalErrors++;
                if (measured) {
                    u.errors++;
                }
                if (u.firstError.isEmpty()) {
                    u.firstError = error;
                }
            }
        }
        return u;
    }

    private static Result summarise(String name, List<User> users, Duration duration) {
        int n = 0;
        for (User u : users) {
            n += u.n;
        }
        long[] all = new long[n];
        int at = 0;
        long errors = 0;
        long totalOk = 0;
        long totalErrors = 0;
        String firstError = "";
        for (User u : users) {
            System.arraycopy(u.latencies, 0, all, at, u.n);
            at += u.n;
            errors += u.errors;
            totalOk += u.totalOk;
            totalErrors += u.totalErrors;
            if (firstError.isEmpty()) {
                firstError = u.firstError;
            }
        }
        long[] sorted = Percentiles.sortedCopy(all, n);
        return new Result(name, n, errors, duration.toNanos() / 1e9,
                Percentiles.nearestRank(sorted, 0.50), Percentiles.nearestRank(sorted, 0.99),
                totalOk, totalErrors, firstError);
    }
}
