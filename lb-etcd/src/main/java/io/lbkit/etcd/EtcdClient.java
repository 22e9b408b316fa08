package io.lbkit.etcd;

import static java.util.Objects.requireNonNull;

import com.google.gson.JsonObject;
import io.lbkit.internal.Preconditions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A connection to an etcd cluster (v3 API, etcd 3.4 or later) for {@link EtcdEndpointGroup}s and
 * {@link EtcdRegistration}s: the members to talk to, credentials, TLS and timeouts. Thread-safe;
 * one client serves any number of groups and registrations, which share its connections.
 *
 * <pre>{@code
 * EtcdClient etcd = EtcdClient.builder("https://etcd-1:2379", "https://etcd-2:2379", "https://etcd-3:2379")
 *         .credentials("orders", System.getenv("ETCD_PASSWORD"))
 *         .sslContext(sslContext)
 *         .build();
 * }</pre>
 *
 * <p><b>Protocol.</b> The client speaks etcd's documented JSON gateway to the v3 gRPC API
 * ({@code POST /v3/kv/range}, {@code /v3/watch}, {@code /v3/lease/grant}, ...) over
 * {@code java.net.http}, HTTP/1.1, with Gson for the JSON; docs/etcd.md explains that choice.
 *
 * <p><b>Members and failover.</b> Requests go to one member, the first given at first; when it
 * does not answer (connection refused or reset, timeout) or answers that it cannot serve (no
 * leader, request timed out), the request moves on to the next member, and that member stays the
 * preferred one for later requests. A request fails with {@link EtcdException} only when every
 * member failed it, or when a member refused it for a reason another member would share (bad
 * credentials, a lease that does not exist).
 *
 * <p><b>Authentication.</b> With {@link Builder#credentials}, the client asks etcd for a token
 * ({@code /v3/auth/authenticate}) before its first request and again whenever etcd says the token
 * is no longer valid. The password is kept only for that; {@link #toString()} never shows it.
 */
/*
 * Why one file of over 400 lines: it is the transport of one cluster, request building, member
 * failover, token authentication and failure classification, which all act on the same preferred
 * member and token; about 100 lines are the public nested Builder. The watch stream lives in
 * EtcdWatch, the JSON helpers in Json.
 */
public final class EtcdClient implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EtcdClient.class.getName());

    /** gRPC status codes etcd answers with. */
    static final int INVALID_ARGUMENT = 3;
    static final int NOT_FOUND = 5;
    static final int UNAVAILABLE = 14;
    static final int UNAUTHENTICATED = 16;

    private final List<URI> members;
    private final String user;
    private final String password;
    private final boolean tls;
    private final Duration requestTimeout;
    private final ExecutorService httpThreads;
    private final HttpClient http;
    /** Index into members of the member requests go to first. */
    private final AtomicInteger preferred = new AtomicInteger();
    private final Object authLock = new Object();
    /** The auth token; null before authentication and without credentials. */
    private volatile String token;
    private volatile boolean closed;

    private EtcdClient(List<URI> members, String user, String password, SSLContext sslContext,
            Duration connectTimeout, Duration requestTimeout) {
        this.members = members;
        this.user = user;
        this.password = password;
        this.tls = members.get(0).getScheme().equals("https");
        this.requestTimeout = requestTimeout;
        this.httpThreads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lbkit-etcd-http");
            t.setDaemon(true);
            return t;
        });
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // one connection per watch; no h2c upgrade
                .connectTimeout(connectTimeout)
                .executor(httpThreads);
        if (sslContext != null) {
            b.sslContext(sslContext);
        }
        this.http = b.build();
    }

    /**
     * A client of the given members with the defaults: no credentials, the JDK's default TLS
     * settings for {@code https} members, 2 s connect timeout, 5 s request timeout.
     *
     * @param endpoints member URLs such as {@code http://127.0.0.1:2379}; at least one
     * @throws IllegalArgumentException as {@link #builder(String...)}
     */
    public static EtcdClient of(String... endpoints) {
        return builder(endpoints).build();
    }

    /**
     * A builder for a client of the given members.
     *
     * @param endpoints member URLs {@code http://host:port} or {@code https://host:port}, all of
     *     one scheme, without path, query or user info; at least one
     * @throws IllegalArgumentException naming the URL that is not of that form
     */
    public static Builder builder(String... endpoints) {
        requireNonNull(endpoints, "endpoints");
        List<URI> uris = new ArrayList<>();
        for (String e : endpoints) {
            requireNonNull(e, "endpoints must not contain null");
            if (!e.contains("://")) {
                throw new IllegalArgumentException("endpoint " + Json.quote(e)
                        + " must start with http:// or https://");
            }
            try {
                uris.add(new URI(e.strip()));
            } catch (java.net.URISyntaxException x) {
                throw new IllegalArgumentException("endpoint " + Json.quote(e)
                        + " is not a URL such as http://127.0.0.1:2379: " + x.getReason());
            }
        }
        return builder(uris);
    }

    /** As {@link #builder(String...)}. */
    public static Builder builder(List<URI> endpoints) {
        requireNonNull(endpoints, "endpoints");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("endpoints must name at least one etcd member");
        }
        List<URI> checked = new ArrayList<>();
        for (URI u : endpoints) {
            requireNonNull(u, "endpoints must not contain null");
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("endpoint " + Json.quote(u.toString())
                        + " must start with http:// or https://");
            }
            if (u.getHost() == null || u.getPort() < 1) {
                throw new IllegalArgumentException("endpoint " + Json.quote(u.toString())
                        + " must name a host and a port, as in http://127.0.0.1:2379");
            }
            if ((u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/"))
                    || u.getRawQuery() != null || u.getRawUserInfo() != null
                    || u.getRawFragment() != null) {
                throw new IllegalArgumentException("endpoint " + Json.quote(u.toString())
                        + " must have no path, query, fragment or user info (credentials go to"
                        + " credentials(user, password))");
            }
            if (!checked.isEmpty() && !checked.get(0).getScheme().equals(scheme)) {
                throw new IllegalArgumentException("endpoints must all be http or all be https; "
                        + checked.get(0) + " and " + u + " differ");
            }
            URI normal = URI.create(scheme + "://" + u.getRawAuthority());
            if (checked.contains(normal)) {
                throw new IllegalArgumentException("endpoint " + normal + " is listed twice");
            }
            checked.add(normal);
        }
        return new Builder(List.copyOf(checked));
    }

    /** The members, in the order given. */
    public List<URI> endpoints() {
        return members;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    /**
     * Sends one unary request ({@code path} such as {@code /v3/kv/range}) to the preferred member,
     * moving on to the next member while members are unavailable.
     *
     * @return the answer's JSON object
     * @throws EtcdException when every member failed, or one refused the request for good
     */
    JsonObject call(String path, JsonObject body) throws EtcdException {
        checkOpen();
        int start = preferred.get();
        int n = members.size();
        StringBuilder failures = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int index = (start + i) % n;
            URI member = members.get(index);
            try {
                JsonObject answer = callMember(member, path, body, true);
                if (i > 0 && preferred.compareAndSet(start, index)) {
                    LOG.log(Level.INFO, () -> this + ": now using etcd member " + member
                            + " (" + failures + ")");
                }
                return answer;
            } catch (Unavailable e) {
                failures.append(failures.length() == 0 ? "" : "; ").append(member).append(": ")
                        .append(e.getMessage());
            }
        }
        throw new EtcdException("no etcd member answered " + path + ": " + failures, -1);
    }

    /**
     * Sends one request to the member at {@code index} only, with no failover: for checking that
     * the member a watch is on still answers.
     *
     * @throws EtcdException if that member does not answer or refuses the request
     */
    JsonObject callOnly(int index, String path, JsonObject body) throws EtcdException {
        checkOpen();
        URI member = members.get(index);
        try {
            return callMember(member, path, body, true);
        } catch (Unavailable e) {
            throw new EtcdException("etcd member " + member + " did not answer " + path + ": "
                    + e.getMessage(), -1);
        }
    }

    private JsonObject callMember(URI member, String path, JsonObject body, boolean mayReauth)
            throws Unavailable, EtcdException {
        if (user != null && token == null) {
            authenticate(member, null);
        }
        String usedToken = token;
        HttpResponse<String> response;
        try {
            response = http.send(request(member, path, body, usedToken)
                    .timeout(requestTimeout).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Unavailable(describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EtcdException("interrupted while waiting for etcd (" + path + ")", e);
        }
        if (response.statusCode() == 200) {
            try {
                return Json.object(response.body());
            } catch (IllegalArgumentException e) {
                throw new Unavailable("answer to " + path + " is " + e.getMessage() + ": "
                        + Json.quote(response.body()));
            }
        }
        Failure f = Failure.of(response.statusCode(), response.body());
        if (f.isAuthFailure() && user != null && mayReauth) {
            authenticate(member, usedToken);
            return callMember(member, path, body, false);
        }
        if (f.isUnavailable()) {
            throw new Unavailable(f.toString());
        }
        throw new EtcdException("etcd member " + member + " refused " + path + ": " + f, f.code());
    }

    /**
     * Gets a new token from {@code member} unless another thread replaced {@code stale} already.
     */
    private void authenticate(URI member, String stale) throws Unavailable, EtcdException {
        synchronized (authLock) {
            if (token != null && !token.equals(stale)) {
                return; // another thread authenticated meanwhile
            }
            JsonObject body = new JsonObject();
            body.addProperty("name", user);
            body.addProperty("password", password);
            HttpResponse<String> response;
            try {
                response = http.send(request(member, "/v3/auth/authenticate", body, null)
                        .timeout(requestTimeout).build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new Unavailable("authentication: " + describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EtcdException("interrupted while authenticating to etcd", e);
            }
            if (response.statusCode() != 200) {
                Failure f = Failure.of(response.statusCode(), response.body());
                if (f.isUnavailable()) {
                    throw new Unavailable("authentication: " + f);
                }
                throw new EtcdException("etcd member " + member + " refused the credentials of user "
                        + Json.quote(user) + ": " + f, f.code());
            }
            String t;
            try {
                t = Json.object(response.body()).get("token").getAsString();
            } catch (RuntimeException e) {
                throw new Unavailable("authentication answer without a token: "
                        + Json.quote(response.body()));
            }
            token = t;
            LOG.log(Level.DEBUG, () -> this + ": authenticated as " + user + " at " + member);
        }
    }

    private HttpRequest.Builder request(URI member, String path, JsonObject body, String auth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(member.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return b;
    }

    /**
     * Opens a watch stream ({@code POST /v3/watch} with one create request) on the preferred
     * member. Lines (one JSON watch response each) and the end of the stream go to
     * {@code listener} on the HTTP client's threads, in order, one at a time; after
     * {@link EtcdWatch#cancel()} nothing more is delivered.
     */
    EtcdWatch watch(JsonObject createRequest, EtcdWatch.Listener listener) {
        int index = preferred.get();
        URI member = members.get(index);
        EtcdWatch w = new EtcdWatch(index, member, listener);
        if (closed) {
            w.end(new EtcdException(this + " is closed", -1));
            return w;
        }
        String auth;
        try {
            if (user != null && token == null) {
                authenticate(member, null);
            }
            auth = token;
        } catch (Unavailable e) {
            w.end(new IOException(e.getMessage()));
            return w;
        } catch (EtcdException e) {
            w.end(e);
            return w;
        }
        // Without a leader the member would keep the stream open and silent: ask it to cancel.
        HttpRequest req = request(member, "/v3/watch", createRequest, auth)
                .header("Grpc-Metadata-hasleader", "true")
                .build();
        BodyHandler<Void> handler = info -> info.statusCode() == 200
                ? BodySubscribers.fromLineSubscriber(w, s -> null, StandardCharsets.UTF_8, null)
                : BodySubscribers.mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), b -> {
                    Failure f = Failure.of(info.statusCode(), b);
                    if (f.isAuthFailure()) {
                        token = null; // authenticate again on the next attempt
                    }
                    w.end(new EtcdException("etcd member " + member + " refused the watch: " + f,
                            f.code()));
                    return null;
                });
        http.sendAsync(req, handler).whenComplete((r, e) -> {
            if (e != null) {
                w.end(e);
            }
        });
        return w;
    }

    /**
     * Moves requests on from the member at {@code index} after it failed a watch; a no-op if
     * another failure moved them already.
     */
    void memberFailed(int index) {
        int next = (index + 1) % members.size();
        if (members.size() > 1 && preferred.compareAndSet(index, next)) {
            LOG.log(Level.INFO, () -> this + ": etcd member " + members.get(index)
                    + " failed; now using " + members.get(next));
        }
    }

    private void checkOpen() throws EtcdException {
        if (closed) {
            throw new EtcdException(this + " is closed", -1);
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /**
     * Closes the client: its HTTP threads stop, open watches end. Groups and registrations that
     * use it stop working, so close them first. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        httpThreads.shutdownNow();
    }

    /** The members, the user (never the password) and whether TLS is on. */
    @Override
    public String toString() {
        return "EtcdClient" + members + (user == null ? "" : "[user=" + user + ", password=***]")
                + (tls ? "[tls]" : "");
    }

    /** A member that could not serve a request; the next member may. */
    private static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * etcd's error answer: {@code {"error": ..., "message": ..., "code": N}}, with the HTTP status
     * it came with; code -1 when the body has none.
     */
    private record Failure(int status, int code, String message) {

        static Failure of(int status, String body) {
            try {
                JsonObject o = Json.object(body);
                int code = o.has("code") ? o.get("code").getAsInt() : -1;
                String m = o.has("message") ? o.get("message").getAsString()
                        : o.has("error") ? o.get("error").toString() : body;
                return new Failure(status, code, m);
            } catch (RuntimeException e) {
                return new Failure(status, -1, body);
            }
        }

        boolean isAuthFailure() {
            return code == UNAUTHENTICATED || message.contains("invalid auth token")
                    || message.contains("user name is empty");
        }

        boolean isUnavailable() {
            return code == UNAVAILABLE || status == 502 || status == 503 || status == 504
                    || message.contains("no leader") || message.contains("request timed out")
                    || message.contains("leader changed") || message.contains("too many requests");
        }

        @Override
        public String toString() {
            return "HTTP " + status + (code >= 0 ? ", code " + code : "") + ": "
                    + Json.quote(message);
        }
    }

    /**
     * Builds an {@link EtcdClient}. Not thread-safe. Each option may be set once; a second call
     * throws {@link IllegalStateException} naming the earlier value. Arguments are validated when
     * set, with the allowed range in the message.
     */
    public static final class Builder {
        /** 2 s: a member that takes longer to accept a connection is treated as down. */
        public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
        /** 5 s: etcd's own default request timeout, plus room for one leader election. */
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

        private static final Duration MIN_DURATION = Duration.ofMillis(1);
        private static final Duration MAX_DURATION = Duration.ofMinutes(10);

        private final List<URI> members;
        private String user;
        private String password;
        private SSLContext sslContext;
        private Duration connectTimeout;
        private Duration requestTimeout;

        private Builder(List<URI> members) {
            this.members = members;
        }

        /**
         * The etcd user and password (etcd's authentication enabled with
         * {@code etcdctl auth enable}); default none.
         *
         * @param user not empty
         * @param password not empty
         */
        public Builder credentials(String user, String password) {
            requireNonNull(user, "user");
            requireNonNull(password, "password");
            if (this.user != null) {
                throw new IllegalStateException("credentials were already set (user " + this.user
                        + ")");
            }
            if (user.isEmpty() || password.isEmpty()) {
                throw new IllegalArgumentException("user and password must not be empty");
            }
            this.user = user;
            this.password = password;
            return this;
        }

        /**
         * The TLS settings (trusted CAs, client certificate) for {@code https} members; default
         * the JDK's default context.
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Preconditions.setOnce("sslContext", this.sslContext, sslContext);
            return this;
        }

        /** How long to wait for a member to accept a connection; 1 ms..10 min, default 2 s. */
        public Builder connectTimeout(Duration connectTimeout) {
            this.connectTimeout = Preconditions.setOnce("connectTimeout", this.connectTimeout,
                    connectTimeout, MIN_DURATION, MAX_DURATION, "1 ms..10 min (PT0.001S..PT10M)");
            return this;
        }

        /**
         * How long to wait for a member's answer to one request (not a watch, which stays open);
         * 1 ms..10 min, default 5 s.
         */
        public Builder requestTimeout(Duration requestTimeout) {
            this.requestTimeout = Preconditions.setOnce("requestTimeout", this.requestTimeout,
                    requestTimeout, MIN_DURATION, MAX_DURATION, "1 ms..10 min (PT0.001S..PT10M)");
            return this;
        }

        /**
         * Builds the client. It connects lazily, on the first request.
         *
         * @throws IllegalArgumentException if an sslContext was given for {@code http} members
         */
        public EtcdClient build() {
            if (sslContext != null && members.get(0).getScheme().equals("http")) {
                throw new IllegalArgumentException("sslContext was given but the endpoints are"
                        + " plain http: " + members + " (use https:// URLs for TLS)");
            }
            return new EtcdClient(members, user, password, sslContext,
                    connectTimeout != null ? connectTimeout : DEFAULT_CONNECT_TIMEOUT,
                    requestTimeout != null ? requestTimeout : DEFAULT_REQUEST_TIMEOUT);
        }
    }

    /** For tests: the index of the member requests go to first. */
    int preferredIndex() {
        return preferred.get();
    }
}
