package io.lbkit.httpclient;

import static java.util.Objects.requireNonNull;

import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses a {@link io.lbkit.TrafficSplit} route from a request attribute: layer-7 routing such as
 * "requests with {@code x-canary: 1} go to the canary". Implementations must be thread-safe and
 * fast; they run once per request, before the first attempt.
 *
 * <pre>{@code
 * TrafficSplit orders = TrafficSplit.builder()
 *         .route("stable", stable, 95)
 *         .route("canary", canary, 5)
 *         .build();
 * HttpClient http = BalancedHttpClient.newBuilder(HttpClient.newHttpClient())
 *         .routedService("orders", orders, RouteSelector.header("x-canary", "1", "canary"))
 *         .build();
 * }</pre>
 *
 * <p>A request the selector names a route for goes to that route's balancer, whatever the split's
 * weights (a route of weight 0 still takes the requests sent to it by name); its retries stay on
 * that route. A request without a route is split by weight, like {@link
 * io.lbkit.TrafficSplit#pick()} (or by its sticky key, when the service has one).
 */
@FunctionalInterface
public interface RouteSelector {

    /**
     * The route of this request, or empty to split it by weight.
     *
     * <p>A name the split does not have fails the request with {@link IllegalArgumentException}
     * (a bug in the selector, not a property of the request); the header selectors below never
     * return one, as their routes are checked when the client is built.
     */
    Optional<String> route(HttpRequest request);

    /**
     * Requests whose header {@code name} has the value {@code value} (case-sensitive; the first
     * value when the header repeats) go to {@code route}; the others are split by weight.
     *
     * @param name the header name (case-insensitive), not blank
     * @throws IllegalArgumentException if an argument is blank
     */
    static RouteSelector header(String name, String value, String route) {
        requireNonNull(value, "value");
        requireNonNull(route, "route");
        return header(name, Map.of(value, route));
    }

    /**
     * Requests whose header {@code name} has one of the given values (case-sensitive; the first
     * value when the header repeats) go to the route mapped to it; the others, with the header
     * missing or another value, are split by weight. For example
     * {@code header("x-track", Map.of("canary", "canary", "blue", "blue"))}.
     *
     * @param name the header name (case-insensitive), not blank
     * @param routesByValue header value to route name; not empty, no blank route name
     * @throws IllegalArgumentException if the name is blank, the map empty or a route name blank
     */
    static RouteSelector header(String name, Map<String, String> routesByValue) {
        return new HeaderRouteSelector(name, routesByValue);
    }
}
