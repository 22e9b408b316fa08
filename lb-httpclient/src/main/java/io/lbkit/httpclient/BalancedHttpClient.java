package io.lbkit.httpclient;

import static java.util.Objects.requireNonNull;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.NoEndpointAvailableException;
import io.lbkit.Pick;
import io.lbkit.Ticker;
import io.lbkit.TrafficSplit;
import io.lbkit.retry.HedgePolicy;
import io.lbkit.retry.RetryBudget;
import io.lbkit.retry.RetryPolicy;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@link HttpClient} that sends requests addressed to a logical service ({@code http://orders/...})
 * to the endpoint a {@link LoadBalancer} picks, and every other request unchanged through the
 * client it wraps. Thread-safe; share one instance, as with any {@code HttpClient}.
 *
 * <pre>{@code
 * LoadBalancer orders = LoadBalancer.builder(EndpointGroup.of(Endpoint.of("10.0.0.1", 8080),
 *                                                             Endpoint.of("10.0.0.2", 8080)))
 *         .build();
 * HttpClient http = BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
 *         .service("orders", orders)
 *         .build();
 * HttpResponse<String> r = http.send(
 *         HttpRequest.newBuilder(URI.create("http://orders/items/7")).build(), BodyHandlers.ofString());
 * }</pre>
 *
 * <h2>Routing</h2>
 * A request whose URI host equals a configured service name (case-insensitive; any port in the
 * URI is ignored) is sent to {@code scheme://endpoint-host:endpoint-port/path?query}; scheme, path,
 * query, method, headers, body, timeout and version are kept. The returned response's
 * {@link HttpResponse#uri()} and {@link HttpResponse#request()} show the endpoint the call went
 * to. Redirects followed by the wrapped client stay on that endpoint. WebSockets and HTTP/2 push
 * promises are not balanced: they go where the wrapped client sends them.
 *
 * <p>A service over a {@link TrafficSplit} can route by request attribute: with a
 * {@link RouteSelector} (such as {@code RouteSelector.header("x-canary", "1", "canary")}) a
 * request it names a route for goes to that route, and every other request is split by weight.
 *
 * <h2>Outcomes</h2>
 * Each attempt reports exactly once on its {@link Pick}: when the response body completes,
 * fails, or is cancelled by the reader; or when the attempt fails before a response. (A body read
 * before the response is returned, as by {@code ofString()} or {@code discarding()}, is reported
 * as the response returns; a streaming body, as by {@code ofInputStream()}, when the reader
 * finishes or closes it.) The latency
 * reported is the time to the response headers, so a slow reader does not make an endpoint look
 * slow. Failures are I/O errors (refused or timed-out connections, resets, TLS failures, request
 * timeouts) and the {@linkplain Builder#failureStatus(IntPredicate) failure statuses}, by default
 * 5xx except 501 and 505 (which say the request, not the server, is at fault). Other exceptions
 * (a rejected header, a cancelled call) release the pick without an outcome.
 *
 * <h2>Retries</h2>
 * An attempt is retried on another endpoint when one exists (the balancer is asked up to
 * {@value #MAX_RESELECTIONS} times for an endpoint this call has not tried, that is not
 * {@linkplain io.lbkit.Pick#recentlyFailing() known to be failing}, whose latest call did not
 * fail ({@link io.lbkit.Pick#failedSinceLastSuccess()}) and that has succeeded since the call
 * began ({@link io.lbkit.Pick#succeededWithin}), so that a retry in the first second of a fault
 * does not land on another failing endpoint; failing that, the best it saw, down to one not
 * known to be failing) if all of these hold:
 * <ul>
 * <li>attempts remain under the {@link RetryPolicy} (default 3 attempts);</li>
 * <li>the request never reached a server (connection refused, connect timeout, TLS handshake
 *     failure), or it is {@linkplain Builder#retryableRequest(Predicate) retryable} (by default:
 *     GET, HEAD, OPTIONS, PUT, DELETE, TRACE, or any request with an {@code Idempotency-Key}
 *     header) and it failed with an I/O error or a
 *     {@linkplain Builder#retryableStatus(IntPredicate) retryable status} (default 502, 503, 504);</li>
 * <li>its body can be sent again: no body, a body the failed attempt never read, or a body
 *     fully captured while it was sent (up to {@link Builder#replayBufferLimit(int)}, default
 *     64 KiB); a larger or partly sent body is not retried;</li>
 * <li>the service's {@link RetryBudget} grants it (default 20% of calls plus 10 per second).</li>
 * </ul>
 * Between attempts the client waits the policy's backoff (full jitter, 25 ms doubling up to
 * 250 ms by default) without blocking a thread. When the retries run out, the call fails with the
 * last attempt's exception, the earlier ones attached as suppressed, or with the last response.
 *
 * <h2>Hedging</h2>
 * A service with a {@linkplain Builder#hedgePolicy(String, HedgePolicy) hedge policy} races its
 * slow calls: when a call has no answer after the policy's delay (by default the service's recent
 * 95th percentile), the same request goes to another endpoint, and the first answer wins. Only
 * requests that are {@linkplain Builder#retryableRequest(Predicate) retryable} are hedged (by
 * default idempotent methods and requests with an {@code Idempotency-Key} header: never a plain
 * POST), and only when their body, if any, was captured whole for replay (see above). Each hedge
 * <ul>
 * <li>goes to an endpoint the call has not tried and that is not known to be failing (the
 *     retries' choice); when there is none, no hedge is sent;</li>
 * <li>is paid from the service's {@link RetryBudget}, like a retry: when the budget refuses, no
 *     hedge is sent, so hedges cannot multiply the load on an overloaded service;</li>
 * <li>counts in flight on its endpoint like any call, for least-request strategies and caps.</li>
 * </ul>
 * The first attempt to answer with a status that is not retryable (whatever it is: a 404 is an
 * answer) wins; the others' picks are {@linkplain Pick#release() released}, not reported as
 * failures, and their exchanges aborted if they are still waiting for response headers (one
 * already receiving its body is left to finish, its body dropped). An attempt that fails while
 * another runs starts nothing; when the last running attempt fails, the retry rules apply, with
 * every attempt started (hedges included) counted against {@link RetryPolicy#maxAttempts()}: a
 * call makes at most {@code maxAttempts + maxHedges} attempts, each after the first granted by the
 * budget. The hedge delay is a timer, not a blocked thread, on both {@link #send} (which waits for
 * the winner) and {@link #sendAsync}. Attempt latencies, the cancelled ones' time so far included,
 * teach a percentile policy the service's latency.
 *
 * <p>Each attempt that receives response headers applies the call's body handler, so racing
 * attempts may run it at once: a handler whose effects reach beyond its own attempt (such as
 * {@code BodyHandlers.ofFile} writing one path) must not be used for hedged calls. The JDK's
 * in-memory and streaming handlers ({@code ofString}, {@code ofByteArray},
 * {@code ofInputStream}, ...) are safe: a loser's body is dropped, and a streaming one closed.
 *
 * <h2>No endpoint</h2>
 * When the balancer has no eligible endpoint, {@link #send} throws, and {@link #sendAsync}
 * completes exceptionally with, {@link NoEndpointAvailableException} at once; nothing waits.
 *
 * <h2>TLS</h2>
 * Certificates are always verified by the wrapped client's {@code SSLContext}. When an
 * {@code https} request is routed to an endpoint with a host name, the name checked is the
 * endpoint's. When the endpoint is an IP address, the request goes through a client derived from
 * the wrapped one (same SSLContext, SSLParameters, proxy, authenticator, cookie handler,
 * executor, redirect policy, connect timeout and version; one per service, made on first use)
 * whose SSLParameters name the service in SNI: the server is asked for the service's
 * certificate and that certificate must be valid for the service name (or for the IP address).
 *
 * <h2>Host header</h2>
 * See {@link HostHeader}: by default backends see the endpoint's {@code host:port}.
 */
/*
 * Why one file of over 400 lines: this is the public face only, and all of it is API. The class
 * javadoc above is the user's manual of routing, outcomes, retries, hedging and TLS (about 110
 * lines); the HttpClient methods delegate one line each to the wrapped client, as the abstract
 * class requires; the public nested Builder (its name is API) is about half the file, each option
 * with its default and range. The machinery lives beside it, one job a file: Service (a routed
 * service, its name rule and its SNI client), BalancedCall (one call's attempts and retries),
 * HedgingCall (a hedged call's racing attempts), HeaderRouteSelector (also the check of its
 * routes against the split), ReplayableBody (the request body kept for replay),
 * ReportingSubscriber (the outcome reported when the body ends), BuilderChecks (the builders'
 * checks).
 */
public final class BalancedHttpClient extends HttpClient {

    /** Picks per retry spent looking for an endpoint the call has not tried yet: 8. */
    public static final int MAX_RESELECTIONS = 8;

    /** Default largest request body kept to replay on a retry: 64 KiB. */
    public static final int DEFAULT_REPLAY_BUFFER_LIMIT = 64 * 1024;

    /** Largest allowed replay buffer: 64 MiB. */
    public static final int MAX_REPLAY_BUFFER_LIMIT = 64 * 1024 * 1024;

    private static final Set<String> IDEMPOTENT_METHODS =
            Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

    final HttpClient delegate;
    private final Map<String, Service> services;
    final RetryPolicy retryPolicy;
    final Predicate<HttpRequest> retryableRequest;
    final IntPredicate failureStatus;
    final IntPredicate retryableStatus;
    final HostHeader hostHeader;
    final int replayBufferLimit;
    final Ticker ticker;
    final Executor retryExecutor;

    private BalancedHttpClient(Builder b) {
        this.delegate = b.delegate;
        this.retryPolicy = b.retryPolicy != null ? b.retryPolicy : RetryPolicy.of();
        this.retryableRequest = b.retryableRequest != null ? b.retryableRequest
                : BalancedHttpClient::isIdempotent;
        this.failureStatus = b.failureStatus != null ? b.failureStatus
                : BalancedHttpClient::isServerFailure;
        this.retryableStatus = b.retryableStatus != null ? b.retryableStatus
                : s -> s == 502 || s == 503 || s == 504;
        this.hostHeader = b.hostHeader != null ? b.hostHeader : HostHeader.ENDPOINT;
        this.replayBufferLimit = b.replayBufferLimit != null ? b.replayBufferLimit
                : DEFAULT_REPLAY_BUFFER_LIMIT;
        this.ticker = b.ticker != null ? b.ticker : Ticker.system();
        this.retryExecutor = delegate.executor().orElse(RetryThreads.POOL);
        Map<String, Service> m = new LinkedHashMap<>();
        for (Map.Entry<String, ServiceSpec> e : b.services.entrySet()) {
            ServiceSpec spec = e.getValue();
            RetryBudget budget = b.retryBudget != null ? b.retryBudget : RetryBudget.of();
            m.put(e.getKey(), new Service(e.getKey(), spec.lb(), budget, spec.stickyKey(),
                    spec.routeSelector(), b.hedgePolicies.get(e.getKey())));
        }
        this.services = Map.copyOf(m);
    }

    /**
     * A builder for a client that routes through {@code delegate}. The balanced client does not
     * own the delegate: it never closes it.
     */
    public static Builder newBuilder(HttpClient delegate) {
        return new Builder(delegate);
    }

    /**
     * The default {@link Builder#retryableRequest(Predicate) retryable-request} rule: an
     * idempotent method (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) or an {@code Idempotency-Key}
     * header.
     */
    public static boolean isIdempotent(HttpRequest request) {
        return IDEMPOTENT_METHODS.contains(request.method())
                || request.headers().firstValue("Idempotency-Key").isPresent();
    }

    /**
     * The default {@link Builder#failureStatus(IntPredicate) failure-status} rule: 500..599 except
     * 501 (Not Implemented) and 505 (HTTP Version Not Supported).
     */
    public static boolean isServerFailure(int status) {
        return status >= 500 && status <= 599 && status != 501 && status != 505;
    }

    /** The logical service names this client routes, lower-case. */
    public Set<String> services() {
        return services.keySet();
    }

    /** The balancer of a service, if this client routes it. */
    public Optional<LoadBalancer> loadBalancer(String service) {
        return service(service).map(s -> s.lb);
    }

    /**
     * The retry budget of a service, if this client routes it: the one set with
     * {@link Builder#retryBudget(RetryBudget)}, shared by all services, or the service's own.
     */
    public Optional<RetryBudget> retryBudget(String service) {
        return service(service).map(s -> s.budget);
    }

    /** The hedge policy of a service, if this client routes it and hedges its calls. */
    public Optional<HedgePolicy> hedgePolicy(String service) {
        return service(service).map(s -> s.hedgePolicy);
    }

    /** A configured service by name, matched as the builder matched it: stripped, any case. */
    private Optional<Service> service(String name) {
        requireNonNull(name, "service");
        return Optional.ofNullable(services.get(name.strip().toLowerCase(Locale.ROOT)));
    }

    /** Whether a call of {@code request} to {@code service} is hedged. */
    private boolean hedged(Service service, HttpRequest request) {
        return service.hedgePolicy != null && retryableRequest.test(request);
    }

    Service route(HttpRequest request) {
        String host = request.uri().getHost();
        return host == null ? null : services.get(host.toLowerCase(Locale.ROOT));
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> responseBodyHandler)
            throws IOException, InterruptedException {
        requireNonNull(request, "request");
        requireNonNull(responseBodyHandler, "responseBodyHandler");
        Service service = route(request);
        if (service == null) {
            return delegate.send(request, responseBodyHandler);
        }
        if (hedged(service, request)) {
            return new HedgingCall<>(this, service, request, responseBodyHandler, null).await();
        }
        return new BalancedCall<>(this, service, request, responseBodyHandler, null).runBlocking();
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
            BodyHandler<T> responseBodyHandler) {
        return sendAsync(request, responseBodyHandler, null);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Push promises arrive on the connection of the endpoint the call went to; they are
     * handed to {@code pushPromiseHandler} unbalanced.
     */
    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
            BodyHandler<T> responseBodyHandler, PushPromiseHandler<T> pushPromiseHandler) {
        requireNonNull(request, "request");
        requireNonNull(responseBodyHandler, "responseBodyHandler");
        Service service = route(request);
        if (service == null) {
            return pushPromiseHandler == null
                    ? delegate.sendAsync(request, responseBodyHandler)
                    : delegate.sendAsync(request, responseBodyHandler, pushPromiseHandler);
        }
        if (hedged(service, request)) {
            return new HedgingCall<>(this, service, request, responseBodyHandler,
                    pushPromiseHandler).start();
        }
        return new BalancedCall<>(this, service, request, responseBodyHandler, pushPromiseHandler)
                .start();
    }

    /** The wrapped client's; WebSockets are not balanced. */
    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return delegate.newWebSocketBuilder();
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    @Override
    public String toString() {
        return "BalancedHttpClient" + services.keySet() + "[" + delegate + "]";
    }

    /** The client for an attempt to {@code endpoint}: see {@link Service#clientFor}. */
    HttpClient clientFor(Service service, Endpoint endpoint, boolean https) {
        return service.clientFor(delegate, endpoint, https);
    }

    /** Runs delayed retries when the wrapped client has no executor of its own. */
    private static final class RetryThreads {
        static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lbkit-httpclient-retry");
            t.setDaemon(true);
            return t;
        });
    }

    /** A service as the builder was given it, before the client's defaults apply. */
    private record ServiceSpec(LoadBalancer lb, StickyKey stickyKey, RouteSelector routeSelector) {
    }

    /**
     * Builds a {@link BalancedHttpClient}. Not thread-safe. Each option may be set once (each
     * service name once); a second call throws {@link IllegalStateException} naming the earlier
     * value. Arguments are checked when set.
     */
    public static final class Builder {
        private final HttpClient delegate;
        private final Map<String, ServiceSpec> services = new LinkedHashMap<>();
        private RetryPolicy retryPolicy;
        private RetryBudget retryBudget;
        private final Map<String, HedgePolicy> hedgePolicies = new LinkedHashMap<>();
        private Predicate<HttpRequest> retryableRequest;
        private IntPredicate failureStatus;
        private IntPredicate retryableStatus;
        private HostHeader hostHeader;
        private Integer replayBufferLimit;
        private Ticker ticker;

        private Builder(HttpClient delegate) {
            this.delegate = BuilderChecks.plainClient(delegate, "delegate",
                    "delegate must not be a BalancedHttpClient");
        }

        /**
         * Routes requests whose URI host is {@code name} over {@code lb}.
         *
         * @param name a host name as written in request URIs ({@code orders},
         *     {@code orders.internal}), case-insensitive, without port
         * @throws IllegalArgumentException if the name is blank or has a port, path or blank
         * @throws IllegalStateException if the name was already configured
         */
        public Builder service(String name, LoadBalancer lb) {
            return addService(name, lb, null, null);
        }

        /**
         * Routes requests whose URI host is {@code name} over {@code lb}, sticky by a key taken
         * from each request: pair it with a hash strategy ({@link
         * io.lbkit.strategy.Strategy#ringHash()}, {@code maglev()}, {@code rendezvous()}, ...).
         * The key picks with {@link LoadBalancer#pick(CharSequence)}.
         */
        public Builder service(String name, LoadBalancer lb, StickyKey stickyKey) {
            return addService(name, lb, requireNonNull(stickyKey, "stickyKey"), null);
        }

        /**
         * Routes requests whose URI host is {@code name} over a traffic split, choosing the route
         * from each request with {@code routeSelector} (for example
         * {@link RouteSelector#header(String, String, String) header("x-canary", "1", "canary")});
         * requests it names no route for are split by weight.
         *
         * @throws IllegalArgumentException if the selector is a header selector naming a route
         *     the split does not have
         */
        public Builder routedService(String name, TrafficSplit split, RouteSelector routeSelector) {
            return addService(name, split, null, HeaderRouteSelector.checkRoutes(split, routeSelector));
        }

        /**
         * As {@link #routedService(String, TrafficSplit, RouteSelector)}, sticky by a key taken from
         * each request: a request without a route goes to the side its key hashes to
         * ({@link TrafficSplit#pick(CharSequence)}), and within its route the key picks the
         * endpoint.
         */
        public Builder routedService(String name, TrafficSplit split, RouteSelector routeSelector,
                StickyKey stickyKey) {
            return addService(name, split, requireNonNull(stickyKey, "stickyKey"),
                    HeaderRouteSelector.checkRoutes(split, routeSelector));
        }

        private Builder addService(String name, LoadBalancer lb, StickyKey stickyKey,
                RouteSelector routeSelector) {
            requireNonNull(name, "name");
            requireNonNull(lb, "lb");
            String key = Service.key(name);
            if (services.containsKey(key)) {
                throw new IllegalStateException("service " + key + " was already set to "
                        + services.get(key).lb());
            }
            services.put(key, new ServiceSpec(lb, stickyKey, routeSelector));
            return this;
        }

        /** Attempts and backoff; default {@link RetryPolicy#of()} (3 attempts, 25..250 ms). */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = BuilderChecks.set("retryPolicy", this.retryPolicy, retryPolicy);
            return this;
        }

        /**
         * One budget shared by all services of this client; default a separate
         * {@link RetryBudget#of()} per service, so that one service's outage does not spend the
         * others' retries.
         */
        public Builder retryBudget(RetryBudget retryBudget) {
            this.retryBudget = BuilderChecks.set("retryBudget", this.retryBudget, retryBudget);
            return this;
        }

        /**
         * Hedges the calls to one service (see "Hedging" in the class documentation). Default: no
         * hedging. Give each service its own policy when the delay is a percentile
         * ({@link HedgePolicy#of()}): the policy learns the latency of the calls it hedges.
         *
         * <pre>{@code
         * BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
         *         .service("orders", orders)
         *         .hedgePolicy("orders", HedgePolicy.of())  // one hedge after the recent p95
         *         .build();
         * }</pre>
         *
         * @param service a service configured before with {@code service} or
         *     {@code routedService}, case-insensitive
         * @throws IllegalArgumentException if the service is not configured (yet), or a
         *     percentile policy is given to a second service
         * @throws IllegalStateException if the service's policy was already set
         */
        public Builder hedgePolicy(String service, HedgePolicy hedgePolicy) {
            requireNonNull(service, "service");
            requireNonNull(hedgePolicy, "hedgePolicy");
            String key = service.strip().toLowerCase(Locale.ROOT);
            if (!services.containsKey(key)) {
                throw new IllegalArgumentException("hedgePolicy names service '"
                        + truncate(service) + "', which is not configured; configure it with "
                        + "service(...) first; services: " + services.keySet());
            }
            BuilderChecks.check("hedgePolicy of " + key, hedgePolicies.get(key));
            if (hedgePolicy.fixedDelay().isEmpty()) {
                Map<HedgePolicy, String> owners = new IdentityHashMap<>();
                hedgePolicies.forEach((name, p) -> owners.put(p, name));
                String owner = owners.get(hedgePolicy);
                if (owner != null) {
                    throw new IllegalArgumentException("hedgePolicy " + hedgePolicy + " is "
                            + "already service " + owner + "'s; a percentile policy learns one "
                            + "service's latency: give " + key + " a policy of its own");
                }
            }
            hedgePolicies.put(key, hedgePolicy);
            return this;
        }

        private static String truncate(String s) {
            return s.length() <= 64 ? s : s.substring(0, 64) + "...";
        }

        /**
         * Which requests may be retried after they may have reached a server (requests that never
         * reached one are always retryable), and hedged; default
         * {@link BalancedHttpClient#isIdempotent}.
         */
        public Builder retryableRequest(Predicate<HttpRequest> retryableRequest) {
            this.retryableRequest =
                    BuilderChecks.set("retryableRequest", this.retryableRequest, retryableRequest);
            return this;
        }

        /**
         * Which response statuses count as the endpoint's failure; default
         * {@link BalancedHttpClient#isServerFailure} (5xx except 501, 505).
         */
        public Builder failureStatus(IntPredicate failureStatus) {
            this.failureStatus = BuilderChecks.set("failureStatus", this.failureStatus, failureStatus);
            return this;
        }

        /**
         * Which response statuses a retryable request is retried on; default 502, 503, 504.
         * Statuses that are not also failure statuses are reported as successes.
         */
        public Builder retryableStatus(IntPredicate retryableStatus) {
            this.retryableStatus =
                    BuilderChecks.set("retryableStatus", this.retryableStatus, retryableStatus);
            return this;
        }

        /** What backends see as {@code Host}; default {@link HostHeader#ENDPOINT}. */
        public Builder hostHeader(HostHeader hostHeader) {
            this.hostHeader = BuilderChecks.set("hostHeader", this.hostHeader, hostHeader);
            return this;
        }

        /**
         * The largest request body kept while it is sent, so it can be sent again on a retry;
         * default 64 KiB. 0 keeps nothing: only bodies never read are retried.
         *
         * @param bytes 0..{@value BalancedHttpClient#MAX_REPLAY_BUFFER_LIMIT}
         */
        public Builder replayBufferLimit(int bytes) {
            BuilderChecks.check("replayBufferLimit", this.replayBufferLimit);
            if (bytes < 0 || bytes > MAX_REPLAY_BUFFER_LIMIT) {
                throw new IllegalArgumentException("replayBufferLimit must be in 0.."
                        + MAX_REPLAY_BUFFER_LIMIT + " bytes, was " + bytes);
            }
            this.replayBufferLimit = bytes;
            return this;
        }

        /** The time source for latencies; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = BuilderChecks.set("ticker", this.ticker, ticker);
            return this;
        }

        /**
         * Builds the client.
         *
         * @throws IllegalStateException if no service is configured, or if
         *     {@link HostHeader#SERVICE} was asked for and the JDK does not allow setting
         *     {@code Host} (see {@link HostHeader#SERVICE})
         */
        public BalancedHttpClient build() {
            if (services.isEmpty()) {
                throw new IllegalStateException("at least one service must be configured");
            }
            if (hostHeader == HostHeader.SERVICE && !hostHeaderAllowed()) {
                throw new IllegalStateException("hostHeader SERVICE needs the JDK to allow the "
                        + "Host header: start the JVM with -Djdk.httpclient.allowRestrictedHeaders=host");
            }
            return new BalancedHttpClient(this);
        }

        private static boolean hostHeaderAllowed() {
            try {
                HttpRequest.newBuilder().header("Host", "probe");
                return true;
            } catch (IllegalArgumentException restricted) {
                return false;
            }
        }
    }
}
