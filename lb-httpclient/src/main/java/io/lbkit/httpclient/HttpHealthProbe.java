package io.lbkit.httpclient;

import static java.util.Objects.requireNonNull;

import io.lbkit.Endpoint;
import io.lbkit.health.HealthProbe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.IntPredicate;

/**
 * An active HTTP health check for the core's {@link io.lbkit.health.HealthCheck}: {@code GET} a
 * path on each endpoint and expect a status. Immutable and thread-safe; the probe never blocks a
 * thread (it uses {@link HttpClient#sendAsync}).
 *
 * <pre>{@code
 * LoadBalancer lb = LoadBalancer.builder(group)
 *         .healthCheck(HealthCheck.of(HttpHealthProbe.of(HttpClient.newHttpClient())))
 *         .build();
 * }</pre>
 *
 * <p>The probe addresses the endpoint directly ({@code http://host:port/health}), so an
 * {@code https} probe verifies the certificate against the endpoint's host; for IP endpoints,
 * give it a client whose {@code SSLParameters} name the service in {@code serverNames}. Pass the
 * plain client, not a {@link BalancedHttpClient}: probes must not be balanced.
 */
public final class HttpHealthProbe implements HealthProbe {

    /** Default path: {@code /health}. */
    public static final String DEFAULT_PATH = "/health";

    /** Default timeout of one probe request: 1 s, the core's default check timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);

    private final HttpClient client;
    private final String scheme;
    private final String path;
    private final IntPredicate healthyStatus;
    private final Duration timeout;

    private HttpHealthProbe(Builder b) {
        this.client = b.client;
        this.scheme = b.scheme != null ? b.scheme : "http";
        this.path = b.path != null ? b.path : DEFAULT_PATH;
        this.healthyStatus = b.healthyStatus != null ? b.healthyStatus
                : s -> s >= 200 && s <= 299;
        this.timeout = b.timeout != null ? b.timeout : DEFAULT_TIMEOUT;
    }

    /** {@code GET http://host:port/health}, healthy on 2xx, 1 s timeout. */
    public static HttpHealthProbe of(HttpClient client) {
        return builder(client).build();
    }

    /** A builder starting from the defaults of {@link #of}. */
    public static Builder builder(HttpClient client) {
        return new Builder(client);
    }

    @Override
    public CompletionStage<Boolean> check(Endpoint endpoint) {
        String host = endpoint.host().indexOf(':') >= 0 ? "[" + endpoint.host() + "]"
                : endpoint.host();
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(scheme + "://" + host + ":" + endpoint.port() + path))
                .timeout(timeout)
                .GET()
                .build();
        return client.sendAsync(request, BodyHandlers.discarding())
                .thenApply(r -> healthyStatus.test(r.statusCode()));
    }

    @Override
    public String toString() {
        return "HttpHealthProbe[GET " + scheme + "://endpoint" + path + ", timeout=" + timeout + "]";
    }

    /**
     * Builds an {@link HttpHealthProbe}. Not thread-safe. Each option may be set once; a second
     * call throws {@link IllegalStateException} naming the earlier value.
     */
    public static final class Builder {
        private final HttpClient client;
        private String scheme;
        private String path;
        private IntPredicate healthyStatus;
        private Duration timeout;

        private Builder(HttpClient client) {
            this.client = BuilderChecks.plainClient(client, "client",
                    "client must be a plain HttpClient: probes must not be balanced");
        }

        /** {@code http} (the default) or {@code https}. */
        public Builder scheme(String scheme) {
            requireNonNull(scheme, "scheme");
            BuilderChecks.check("scheme", this.scheme);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("scheme must be http or https, was " + scheme);
            }
            this.scheme = scheme;
            return this;
        }

        /** The path (and query) to GET, starting with {@code /}; default {@code /health}. */
        public Builder path(String path) {
            requireNonNull(path, "path");
            BuilderChecks.check("path", this.path);
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with '/', was '" + path + "'");
            }
            URI.create("http://h" + path); // rejects what no URI can carry
            this.path = path;
            return this;
        }

        /** Which statuses mean healthy; default 200..299. */
        public Builder healthyStatus(IntPredicate healthyStatus) {
            this.healthyStatus = BuilderChecks.set("healthyStatus", this.healthyStatus, healthyStatus);
            return this;
        }

        /**
         * The request timeout, 1 ms..1 min; default 1 s. The health check's own timeout also
         * applies; the shorter wins.
         */
        public Builder timeout(Duration timeout) {
            requireNonNull(timeout, "timeout");
            BuilderChecks.check("timeout", this.timeout);
            if (timeout.compareTo(Duration.ofMillis(1)) < 0
                    || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
                throw new IllegalArgumentException(
                        "timeout must be in 1 ms..1 min, was " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public HttpHealthProbe build() {
            return new HttpHealthProbe(this);
        }
    }
}
