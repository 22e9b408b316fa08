package io.lbkit.httpclient;

import static java.util.Objects.requireNonNull;

import io.lbkit.Endpoint;
import io.lbkit.LoadBalancer;
import io.lbkit.TrafficSplit;
import io.lbkit.retry.HedgePolicy;
import io.lbkit.retry.RetryBudget;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;

/**
 * One service a {@link BalancedHttpClient} routes: its balancer, retry budget, sticky key, route
 * selector and hedge policy, and the client its {@code https} attempts to IP-literal endpoints
 * go through (see "TLS" on {@link BalancedHttpClient}). Thread-safe: immutable but for that
 * client, made once on first use.
 */
final class Service {
    final String name;
    final LoadBalancer lb;
    final RetryBudget budget;
    final StickyKey stickyKey; // null: not sticky
    final RouteSelector routeSelector; // null: no attribute routing; else lb is a TrafficSplit
    final HedgePolicy hedgePolicy; // null: not hedged
    private volatile HttpClient tlsClient; // null until the first https attempt to an IP literal

    Service(String name, LoadBalancer lb, RetryBudget budget, StickyKey stickyKey,
            RouteSelector routeSelector, HedgePolicy hedgePolicy) {
        this.name = name;
        this.lb = lb;
        this.budget = budget;
        this.stickyKey = stickyKey;
        this.routeSelector = routeSelector;
        this.hedgePolicy = hedgePolicy;
    }

    /**
     * The key of service {@code name} (lower-case, stripped), as request URI hosts are matched.
     *
     * @throws IllegalArgumentException if the name is not a host name as written in URIs
     */
    static String key(String name) {
        requireNonNull(name, "name");
        String key = name.strip().toLowerCase(Locale.ROOT);
        if (key.isEmpty() || !key.matches("[a-z0-9._-]+")) {
            throw new IllegalArgumentException("service name must be a host name of letters, "
                    + "digits, '.', '-' and '_' without port, was '" + name + "'");
        }
        try {
            Endpoint.of(key, 1); // lbkit's one host grammar: labels, lengths, IPv4 literals
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("service name must be a host name as written"
                    + " in request URIs; " + e.getMessage(), e);
        }
        return key;
    }

    /**
     * The balancer for {@code request}'s attempts: the route its selector names, or the
     * service's balancer (the whole split) when it names none.
     *
     * @throws IllegalArgumentException if the selector names a route the split does not have
     */
    LoadBalancer balancerFor(HttpRequest request) {
        if (routeSelector == null) {
            return lb;
        }
        Optional<String> route = routeSelector.route(request);
        return route.isPresent() ? ((TrafficSplit) lb).route(route.get()) : lb;
    }

    /**
     * The client for an attempt to {@code endpoint}: {@code delegate}, or for {@code https} to an
     * IP literal this service's client derived from it, which names the service in SNI.
     */
    HttpClient clientFor(HttpClient delegate, Endpoint endpoint, boolean https) {
        if (!https || !isIpLiteral(endpoint.host())) {
            return delegate;
        }
        HttpClient c = tlsClient;
        if (c == null) {
            synchronized (this) {
                c = tlsClient;
                if (c == null) {
                    c = deriveTlsClient(delegate, name);
                    tlsClient = c;
                }
            }
        }
        return c;
    }

    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true; // IPv6
        }
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }

    /** A client like {@code delegate} whose TLS handshakes ask for, and verify, {@code sniName}. */
    static HttpClient deriveTlsClient(HttpClient delegate, String sniName) {
        SSLParameters p = delegate.sslParameters();
        SSLParameters copy = new SSLParameters(p.getCipherSuites(), p.getProtocols());
        copy.setApplicationProtocols(p.getApplicationProtocols());
        copy.setUseCipherSuitesOrder(p.getUseCipherSuitesOrder());
        copy.setAlgorithmConstraints(p.getAlgorithmConstraints());
        copy.setEndpointIdentificationAlgorithm(p.getEndpointIdentificationAlgorithm());
        copy.setServerNames(List.of(new SNIHostName(sniName)));
        HttpClient.Builder b = HttpClient.newBuilder()
                .sslContext(delegate.sslContext())
                .sslParameters(copy)
                .followRedirects(delegate.followRedirects())
                .version(delegate.version());
        delegate.connectTimeout().ifPresent(b::connectTimeout);
        delegate.proxy().ifPresent(b::proxy);
        delegate.authenticator().ifPresent(b::authenticator);
        delegate.cookieHandler().ifPresent(b::cookieHandler);
        delegate.executor().ifPresent(b::executor);
        return b.build();
    }
}
