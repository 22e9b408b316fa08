package io.lbkit.httpclient;

import static java.util.Objects.requireNonNull;

import io.lbkit.TrafficSplit;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@link RouteSelector#header(String, Map)}: routes known up front, checked by the builder. */
final class HeaderRouteSelector implements RouteSelector {
    private final String name;
    private final Map<String, Optional<String>> routesByValue; // Optional made once, not per call

    HeaderRouteSelector(String name, Map<String, String> routesByValue) {
        requireNonNull(name, "name");
        requireNonNull(routesByValue, "routesByValue");
        if (name.isBlank()) {
            throw new IllegalArgumentException("header name must not be blank");
        }
        if (routesByValue.isEmpty()) {
            throw new IllegalArgumentException("routesByValue must map at least one header value");
        }
        Map<String, Optional<String>> m = new LinkedHashMap<>();
        routesByValue.forEach((value, route) -> {
            requireNonNull(value, "header value");
            requireNonNull(route, "route of header value " + value);
            if (route.isBlank()) {
                throw new IllegalArgumentException(
                        "route of header value '" + value + "' must not be blank");
            }
            m.put(value, Optional.of(route));
        });
        this.name = name;
        this.routesByValue = Map.copyOf(m);
    }

    /**
     * {@code selector}, checked against {@code split}: a header selector may name only routes
     * the split has (any other selector is the user's and is not checked).
     *
     * @throws IllegalArgumentException naming the first route the split does not have
     */
    static RouteSelector checkRoutes(TrafficSplit split, RouteSelector selector) {
        requireNonNull(split, "split");
        requireNonNull(selector, "routeSelector");
        if (selector instanceof HeaderRouteSelector) {
            Set<String> known = split.weights().keySet();
            for (String route : ((HeaderRouteSelector) selector).routes()) {
                if (!known.contains(route)) {
                    throw new IllegalArgumentException("routeSelector names route '" + route
                            + "', which the split does not have; its routes are " + known);
                }
            }
        }
        return selector;
    }

    /** The route names this selector can return. */
    Set<String> routes() {
        Set<String> out = new LinkedHashSet<>();
        routesByValue.values().forEach(r -> out.add(r.orElseThrow()));
        return out;
    }

    @Override
    public Optional<String> route(HttpRequest request) {
        Optional<String> value = request.headers().firstValue(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        return routesByValue.getOrDefault(value.get(), Optional.empty());
    }

    @Override
    public String toString() {
        return "RouteSelector.header(" + name + ", " + routesByValue + ")";
    }
}
