package io.lbkit.httpclient;

import static java.util.Objects.requireNonNull;

import java.net.http.HttpRequest;
import java.util.Optional;

/**
 * Takes the session-affinity key from a request, so that a hash strategy (ring hash, Maglev,
 * rendezvous) sends all requests with the same key to the same endpoint while the endpoints stay
 * the same: the key is passed to {@link io.lbkit.LoadBalancer#pick(CharSequence)}. Implementations must be thread-safe and fast; they run once per request.
 *
 * <p>A request without a key is balanced like any other. Retries of a sticky request go to
 * another endpoint: the one its key maps to has just failed.
 */
@FunctionalInterface
public interface StickyKey {

    /** The key of this request, or empty when it has none. */
    Optional<String> key(HttpRequest request);

    /**
     * The first value of a request header, such as {@code x-user-id}.
     *
     * @param name the header name (case-insensitive), not blank
     */
    static StickyKey header(String name) {
        requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("header name must not be blank");
        }
        return request -> request.headers().firstValue(name);
    }

    /**
     * The value of a cookie in the request's {@code Cookie} headers, such as {@code session}.
     * Cookies added by the client's {@code CookieHandler} are not seen: they are added after
     * routing.
     *
     * @param name the cookie name (case-sensitive), not blank
     */
    static StickyKey cookie(String name) {
        requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("cookie name must not be blank");
        }
        return request -> {
            for (String header : request.headers().allValues("Cookie")) {
                for (String pair : header.split(";")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && pair.substring(0, eq).strip().equals(name)) {
                        String value = pair.substring(eq + 1).strip();
                        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                            value = value.substring(1, value.length() - 1);
                        }
                        return Optional.of(value);
                    }
                }
            }
            return Optional.empty();
        };
    }
}
