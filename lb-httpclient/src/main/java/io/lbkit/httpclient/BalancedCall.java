package io.lbkit.httpclient;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.HttpResponse.ResponseInfo;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLHandshakeException;

/**
 * One balanced call: its attempts, one at a time, each on its own pick. Thread-safe in the way
 * it is used: attempts run strictly one after another (the next starts from the completion of
 * the previous), and each completion happens-before the next attempt's start.
 *
 * <p>A hedged call is driven by {@link HedgingCall} instead, whose attempts overlap: it uses this
 * class's {@link #choose}, {@link #rewrite} and {@link Attempt}s, and calls {@code choose} (which
 * reads and the caller then extends {@link #tried}) only under its own lock.
 */
/*
 * Why one file of over 400 lines: one call's life, in the order it happens, over state only it
 * holds (the tried endpoints, the call's balancer and start, the failures so far): choosing an
 * endpoint (choose and its ranking), rewriting the request for it, sending it blocking or async,
 * the retry rule and its backoff, and Attempt, the outcome of one attempt reported on its pick.
 * Each part reads the others' fields; apart, they would need the call's state passed around or
 * opened up. The racing of hedged attempts is HedgingCall; the body kept for replay,
 * ReplayableBody; the body subscriber that reports, ReportingSubscriber.
 */
final class BalancedCall<T> {

    private final BalancedHttpClient client;
    private final Service service;
    private final HttpRequest request;
    private final BodyHandler<T> handler;
    private final PushPromiseHandler<T> pushHandler; // null when none
    private final boolean retryableRequest;
    private final ReplayableBody body; // null: no body to replay (none; retries off, not hedged)
    // endpoint addresses tried; when hedged, guarded by HedgingCall's lock
    final List<String> tried = new ArrayList<>(4);
    private LoadBalancer lb; // the service's balancer or its selected route; set by the first choose
    private long startNanos; // when the first attempt was chosen, by the client's ticker
    private final CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
    private volatile CompletableFuture<?> current;
    private final List<Throwable> failures = new ArrayList<>(2); // earlier attempts' exceptions
    private final HedgingCall<T> hedging; // null: attempts one at a time, by this class

    BalancedCall(BalancedHttpClient client, Service service,
            HttpRequest request, BodyHandler<T> handler, PushPromiseHandler<T> pushHandler) {
        this(client, service, request, handler, pushHandler, null);
    }

    /** A call whose attempts {@code hedging} drives; null for one driven by this class. */
    BalancedCall(BalancedHttpClient client, Service service,
            HttpRequest request, BodyHandler<T> handler, PushPromiseHandler<T> pushHandler,
            HedgingCall<T> hedging) {
        this.client = client;
        this.service = service;
        this.request = request;
        this.handler = handler;
        this.pushHandler = pushHandler;
        this.hedging = hedging;
        this.retryableRequest = client.retryableRequest.test(request);
        this.body = client.retryPolicy.maxAttempts() > 1 || hedging != null
                ? ReplayableBody.of(request.bodyPublisher(), client.replayBufferLimit)
                : null;
    }

    CompletableFuture<HttpResponse<T>> start() {
        service.budget.onRequest();
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                CompletableFuture<?> c = current;
                if (c != null) {
                    c.cancel(true);
                }
            }
        });
        attempt(1);
        return result;
    }

    private void attempt(int n) {
        if (result.isDone()) {
            return; // cancelled during a backoff
        }
        Pick pick;
        try {
            pick = choose(n);
        } catch (NoEndpointAvailableException e) {
            if (failures.isEmpty()) {
                fail(e);
            } else {
                Throwable last = failures.remove(failures.size() - 1);
                last.addSuppressed(e);
                fail(last);
            }
            return;
        } catch (RuntimeException e) { // a StickyKey or RouteSelector that threw, an unknown route
            fail(e);
            return;
        }
        Endpoint endpoint = pick.endpoint();
        tried.add(endpoint.address());
        Attempt a = new Attempt(pick, n);
        CompletableFuture<HttpResponse<T>> cf;
        HttpRequest rewritten;
        try {
            rewritten = rewrite(endpoint);
        } catch (UnusableAddressException e) {
            onAttemptDone(a, null, e); // the endpoint's failure; retried elsewhere like a refusal
            return;
        }
        try {
            cf = sendAsync(a, rewritten);
        } catch (RuntimeException e) {
            a.release();
            fail(e);
            return;
        }
        current = cf;
        if (result.isCancelled()) {
            cf.cancel(true);
        }
        cf.whenComplete((response, error) -> onAttemptDone(a, response, error));
    }

    /** Sends attempt {@code a} (its request rewritten for its endpoint) with the wrapped client. */
    CompletableFuture<HttpResponse<T>> sendAsync(Attempt a, HttpRequest rewritten) {
        boolean https = "https".equalsIgnoreCase(request.uri().getScheme());
        var c = client.clientFor(service, a.pick.endpoint(), https);
        return pushHandler == null
                ? c.sendAsync(rewritten, a::onHeaders)
                : c.sendAsync(rewritten, a::onHeaders, pushHandler);
    }

    /**
     * Whether the request's body can be sent by a further attempt while the others run: none, an
     * empty one, or one captured whole while an earlier attempt sent it.
     */
    boolean bodyCopied() {
        return body == null || body.copied();
    }

    /**
     * Runs the call on the caller's thread with the wrapped client's blocking {@code send}: the
     * JDK's {@code sendAsync(..).get()} costs several times a blocking {@code send} on JDK 17
     * (measured in docs/proxy-bench.md), so {@link BalancedHttpClient#send} takes this path.
     * Same rules as {@link #start()}; backoff waits on the caller's thread.
     */
    HttpResponse<T> runBlocking() throws IOException, InterruptedException {
        service.budget.onRequest();
        for (int n = 1; ; n++) {
            Pick pick;
            try {
                pick = choose(n);
            } catch (NoEndpointAvailableException e) {
                if (failures.isEmpty()) {
                    throw e;
                }
                Throwable last = failures.remove(failures.size() - 1);
                last.addSuppressed(e);
                throw rethrowable(last);
            }
            Endpoint endpoint = pick.endpoint();
            tried.add(endpoint.address());
            Attempt a = new Attempt(pick, n);
            HttpResponse<T> response;
            try {
                HttpRequest rewritten = rewrite(endpoint);
                boolean https = "https".equalsIgnoreCase(request.uri().getScheme());
                response = client.clientFor(service, endpoint, https).send(rewritten, a::onHeaders);
            } catch (IOException e) {
                a.failure();
                if (a.retrying) { // a retryable status came first: its retry is granted already
                    failures.add(e);
                    backoff(n + 1);
                    continue;
                }
                if (!mayRetry(n, neverSent(e))) {
                    throw rethrowable(e);
                }
                failures.add(e);
                backoff(n + 1);
                continue;
            } catch (InterruptedException | RuntimeException e) {
                a.release();
                throw e;
            }
            if (!a.retrying) {
                a.returned();
                return response;
            }
            backoff(n + 1);
        }
    }

    private void backoff(int n) throws InterruptedException {
        long nanos = client.retryPolicy.backoffNanos(n - 1, ThreadLocalRandom.current().nextDouble());
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }

    /** {@code t} with the earlier attempts' exceptions attached, as what {@code send} throws. */
    private IOException rethrowable(Throwable t) {
        for (Throwable earlier : failures) {
            if (earlier != t) {
                t.addSuppressed(earlier);
            }
        }
        failures.clear();
        if (t instanceof IOException) {
            return (IOException) t;
        }
        if (t instanceof RuntimeException) {
            throw (RuntimeException) t;
        }
        return new IOException(t);
    }

    /**
     * The first attempt follows the key. A retry asks the balancer up to
     * {@link BalancedHttpClient#MAX_RESELECTIONS} times for an endpoint this call has not tried,
     * not {@linkplain Pick#recentlyFailing() known to be failing}, whose latest outcome was not a
     * failure ({@link Pick#failedSinceLastSuccess()}) and that has been seen working since the
     * call began ({@link Pick#succeededWithin}); when none comes up, it takes the best it saw (see
     * {@link #retryRank}). In the first milliseconds of a fault the failing endpoints have failed
     * once at most, often not at all as far as the balancer knows (a hanging one reports nothing
     * until its calls time out), but none of them reports successes. First attempts do not look
     * at these signals, so no endpoint is starved of the calls whose success restores it.
     */
    Pick choose(int n) {
        if (n == 1) {
            startNanos = client.ticker.read();
            lb = service.balancerFor(request);
            if (service.stickyKey != null) {
                Optional<String> key = service.stickyKey.key(request);
                if (key.isPresent()) {
                    return lb.pick(key.get());
                }
            }
            return lb.pick();
        }
        Pick best = null; // the best seen so far, held in flight while looking further
        int bestRank = Integer.MAX_VALUE;
        try {
            for (int i = 0; i < BalancedHttpClient.MAX_RESELECTIONS && bestRank > 0; i++) {
                Pick p = lb.pick();
                int rank = retryRank(p);
                if (rank < bestRank) {
                    if (best != null) {
                        best.release();
                    }
                    best = p;
                    bestRank = rank;
                } else {
                    p.release();
                }
            }
        } catch (NoEndpointAvailableException e) {
            if (best == null) {
                throw e;
            }
        }
        return best;
    }

    /**
     * How good {@code p} is for a retry, lower better (ties go to the first seen). Untried, not
     * known to be failing and its latest outcome not a failure: 0 if it has also been seen
     * working since this call began, else 1; untried and not known to be failing: 2; untried: 3;
     * tried already: 4.
     */
    private int retryRank(Pick p) {
        if (tried.contains(p.endpoint().address())) {
            return 4;
        }
        if (p.recentlyFailing()) {
            return 3;
        }
        if (p.failedSinceLastSuccess()) {
            return 2;
        }
        return p.succeededWithin(client.ticker.read() - startNanos) ? 0 : 1;
    }

    HttpRequest rewrite(Endpoint endpoint) throws UnusableAddressException {
        URI u = request.uri();
        String host = endpoint.host();
        StringBuilder sb = new StringBuilder(64).append(u.getScheme()).append("://");
        if (host.indexOf(':') >= 0) {
            sb.append('[').append(host).append(']');
        } else {
            sb.append(host);
        }
        sb.append(':').append(endpoint.port());
        String path = u.getRawPath();
        if (path != null) {
            sb.append(path);
        }
        if (u.getRawQuery() != null) {
            sb.append('?').append(u.getRawQuery());
        }
        URI uri = URI.create(sb.toString());
        if (uri.getHost() == null) {
            // java.net.URI takes hosts like my_service (an underscore) as a registry-based
            // authority without a host, which java.net.http refuses to send to.
            throw new UnusableAddressException("endpoint " + endpoint.address() + " cannot be "
                    + "called by java.net.http: '" + host + "' is not a host name java.net.URI "
                    + "accepts (letters, digits, '-' and '.'); use its IP address or rename it");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(request, (name, value) -> true).uri(uri);
        if (body != null) {
            b.method(request.method(), body.next());
        }
        if (client.hostHeader == HostHeader.SERVICE) {
            b.setHeader("Host", u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort());
        }
        return b.build();
    }

    private void onAttemptDone(Attempt a, HttpResponse<T> response, Throwable error) {
        current = null;
        if (result.isDone()) {
            a.release(); // the caller cancelled; an attempt reported already stays reported
            return;
        }
        if (a.retrying) {
            retryAfterBackoff(a.number + 1);
            return;
        }
        if (error == null) {
            a.returned();
            result.complete(response);
            return;
        }
        Throwable cause = unwrap(error);
        if (!(cause instanceof IOException)) {
            a.release();
            fail(cause);
            return;
        }
        a.failure();
        if (mayRetry(a.number, neverSent(cause))) {
            failures.add(cause);
            retryAfterBackoff(a.number + 1);
        } else {
            fail(cause);
        }
    }

    /** Whether attempt {@code n} may be followed by another; takes a retry from the budget. */
    boolean mayRetry(int n, boolean neverSent) {
        if (n >= client.retryPolicy.maxAttempts()) {
            return false;
        }
        if (!neverSent && !retryableRequest) {
            return false;
        }
        if (body != null && !body.replayable()) {
            return false;
        }
        return service.budget.tryAcquireRetry();
    }

    private void retryAfterBackoff(int n) {
        long nanos = client.retryPolicy.backoffNanos(n - 1, ThreadLocalRandom.current().nextDouble());
        if (nanos <= 0) {
            attempt(n);
        } else {
            CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS, client.retryExecutor)
                    .execute(() -> attempt(n));
        }
    }

    /** Fails the call with {@code t}, the earlier attempts' exceptions attached as suppressed. */
    private void fail(Throwable t) {
        for (Throwable earlier : failures) {
            if (earlier != t) {
                t.addSuppressed(earlier);
            }
        }
        failures.clear();
        result.completeExceptionally(t);
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * The JDK's own subscribers whose body is complete once all data is in: those of
     * {@code ofString}, {@code ofByteArray}, {@code discarding}, {@code replacing},
     * {@code ofFile} and {@code ofByteArrayConsumer}, the same classes on JDK 17 and 25. They are
     * recognised by name: the classes are internal, and a name that changes in some JDK only
     * means its subscribers get wrapped, which is always correct.
     */
    private static final Set<String> BUFFERED_SUBSCRIBERS = Set.of(
            "jdk.internal.net.http.ResponseSubscribers$ByteArraySubscriber",
            "jdk.internal.net.http.ResponseSubscribers$NullSubscriber",
            "jdk.internal.net.http.ResponseSubscribers$PathSubscriber",
            "jdk.internal.net.http.ResponseSubscribers$ConsumerSubscriber");

    /**
     * Whether a subscriber can be passed to the wrapped client as it is, the attempt being
     * reported when the response returns: one of the JDK's {@linkplain #BUFFERED_SUBSCRIBERS
     * buffered subscribers}, whose body has been read in full by then. The JDK runs its own
     * subscribers inline but hands any other class's to the client's executor, a thread hop per
     * response that wrapping would add to every call. Any other subscriber (a streaming one,
     * {@code ofInputStream}, {@code ofLines}, {@code ofPublisher}, that the caller reads after
     * {@code send} returns; a mapping; one of the caller's own) is wrapped, so that the attempt
     * counts in flight until its body ends; those get the thread hop from the JDK anyway.
     */
    static boolean passThrough(BodySubscriber<?> subscriber) {
        return BUFFERED_SUBSCRIBERS.contains(subscriber.getClass().getName());
    }

    /** Whether the request surely never reached a server: it failed while connecting. */
    static boolean neverSent(Throwable t) {
        return t instanceof ConnectException
                || t instanceof HttpConnectTimeoutException
                || t instanceof NoRouteToHostException
                || t instanceof SSLHandshakeException
                || t.getCause() instanceof UnresolvedAddressException;
    }

    /** One attempt: its pick, reported exactly once. */
    final class Attempt {
        final Pick pick;
        final int number;
        final long startNanos;
        private volatile long headersNanos;
        private volatile boolean headersReceived;
        private final AtomicBoolean reported = new AtomicBoolean();
        volatile boolean retrying;
        private volatile boolean reportOnReturn;
        private volatile boolean failedStatus;

        Attempt(Pick pick, int number) {
            this.pick = pick;
            this.number = number;
            this.startNanos = client.ticker.read();
        }

        BodySubscriber<T> onHeaders(ResponseInfo info) {
            headersNanos = client.ticker.read();
            headersReceived = true;
            int status = info.statusCode();
            boolean failed = client.failureStatus.test(status);
            if (client.retryableStatus.test(status) && retryableRequest
                    && (hedging != null ? hedging.discardRetryable(this)
                            : mayRetry(number, false))) {
                retrying = true;
                outcome(failed);
                return BodySubscribers.replacing(null);
            }
            BodySubscriber<T> subscriber = handler.apply(info);
            if (!passThrough(subscriber)) {
                return new ReportingSubscriber<>(subscriber, this, failed);
            }
            failedStatus = failed;
            reportOnReturn = true;
            return subscriber;
        }

        /**
         * Reports an attempt whose body subscriber was passed on unwrapped, once the response
         * (body included) has been returned: its outcome is the status's.
         */
        void returned() {
            if (reportOnReturn) {
                outcome(failedStatus);
            }
        }

        /** Whether the response headers have arrived. */
        boolean headersReceived() {
            return headersReceived;
        }

        long latency() {
            long end = headersNanos;
            if (end == 0) {
                end = client.ticker.read();
            }
            return end - startNanos;
        }

        void outcome(boolean failed) {
            if (failed) {
                failure();
            } else if (reported.compareAndSet(false, true)) {
                pick.onSuccess(latency());
            }
        }

        void failure() {
            if (reported.compareAndSet(false, true)) {
                pick.onFailure(latency());
            }
        }

        void release() {
            if (reported.compareAndSet(false, true)) {
                pick.release();
            }
        }
    }
}
