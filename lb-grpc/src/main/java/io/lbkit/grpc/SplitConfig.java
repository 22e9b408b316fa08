package io.lbkit.grpc;

import static io.lbkit.grpc.ConfigJson.checkFields;
import static io.lbkit.grpc.ConfigJson.checked;
import static io.lbkit.grpc.ConfigJson.describe;
import static io.lbkit.grpc.ConfigJson.integer;
import static io.lbkit.grpc.ConfigJson.object;
import static io.lbkit.grpc.ConfigJson.string;

import io.grpc.Metadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code split} object of the {@code lbkit} policy config: weighted routes over endpoint
 * groups named by an endpoint attribute, and an optional header that routes a call to one route.
 * Immutable.
 */
final class SplitConfig {

    /** Most routes a split takes: {@value}. More would be a different tool (a router). */
    static final int MAX_ROUTES = 16;

    /** Largest route weight: {@value}, as {@link io.lbkit.TrafficSplit}'s. */
    static final int MAX_WEIGHT = 1_000_000;

    /** The endpoint attribute naming an endpoint's route when none is configured: {@value}. */
    static final String DEFAULT_ATTRIBUTE = "route";

    private final String attribute;
    private final List<String> names;
    private final int[] weights;
    /** Route name -> index, the same Integer instances every lookup. */
    private final Map<String, Integer> indexByName;
    private final Metadata.Key<String> header; // null: no header routing
    /** Header value -> route index (the names themselves when no values are configured). */
    private final Map<String, Integer> indexByHeaderValue;

    private SplitConfig(String attribute, List<String> names, int[] weights,
            Metadata.Key<String> header, Map<String, String> values) {
        this.attribute = attribute;
        this.names = List.copyOf(names);
        this.weights = weights.clone();
        Map<String, Integer> byName = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            byName.put(names.get(i), i);
        }
        this.indexByName = Map.copyOf(byName);
        this.header = header;
        if (header == null) {
            this.indexByHeaderValue = Map.of();
        } else if (values == null) {
            this.indexByHeaderValue = indexByName;
        } else {
            Map<String, Integer> byValue = new java.util.HashMap<>();
            values.forEach((value, route) -> byValue.put(value, indexByName.get(route)));
            this.indexByHeaderValue = Map.copyOf(byValue);
        }
    }

    /** The endpoint attribute that names an endpoint's route; default {@value #DEFAULT_ATTRIBUTE}. */
    String attribute() {
        return attribute;
    }

    /** The route names in config order; the first is the default route. */
    List<String> names() {
        return names;
    }

    int size() {
        return names.size();
    }

    /** The configured weight of route {@code i}. */
    int weight(int i) {
        return weights[i];
    }

    /** The header that routes a call, or null. */
    Metadata.Key<String> header() {
        return header;
    }

    /**
     * The route of an endpoint: the one its {@link #attribute()} names, else the first
     * (default) route, also when the attribute names no route.
     */
    int routeOf(io.lbkit.Endpoint endpoint) {
        String name = endpoint.attributes().get(attribute);
        Integer i = name == null ? null : indexByName.get(name);
        return i == null ? 0 : i;
    }

    /** The route a header value routes to, or -1: split by weight. Allocates nothing. */
    int routeOfHeaderValue(String value) {
        Integer i = indexByHeaderValue.get(value);
        return i == null ? -1 : i;
    }

    static SplitConfig parse(Object v) {
        String at = "split";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("attribute", "routes", "header", "values"));
        String attribute = DEFAULT_ATTRIBUTE;
        if (m.containsKey("attribute")) {
            attribute = string(at + ".attribute", m.get("attribute"));
            if (attribute.isBlank()) {
                throw new IllegalArgumentException(
                        "\"split.attribute\" must not be blank, was \"" + attribute + "\"");
            }
        }
        if (!m.containsKey("routes")) {
            throw new IllegalArgumentException("\"split.routes\" is required: a list of 1.."
                    + MAX_ROUTES + " routes such as {\"name\": \"stable\", \"weight\": 95}");
        }
        Object r = m.get("routes");
        if (!(r instanceof List) || ((List<?>) r).isEmpty()
                || ((List<?>) r).size() > MAX_ROUTES) {
            throw new IllegalArgumentException("\"split.routes\" must be a list of 1.."
                    + MAX_ROUTES + " routes, was "
                    + (r instanceof List ? ((List<?>) r).size() + " routes" : describe(r)));
        }
        List<?> routes = (List<?>) r;
        List<String> names = new ArrayList<>();
        int[] weights = new int[routes.size()];
        boolean positive = false;
        for (int i = 0; i < routes.size(); i++) {
            String rat = at + ".routes[" + i + "]";
            Map<String, ?> route = object(rat, routes.get(i));
            checkFields(rat, route, List.of("name", "weight"));
            if (!route.containsKey("name") || !route.containsKey("weight")) {
                throw new IllegalArgumentException("\"" + rat
                        + "\" needs a \"name\" and a \"weight\", was " + route);
            }
            String name = string(rat + ".name", route.get("name"));
            if (name.isBlank()) {
                throw new IllegalArgumentException(
                        "\"" + rat + ".name\" must not be blank, was \"" + name + "\"");
            }
            if (names.contains(name)) {
                throw new IllegalArgumentException("\"" + rat + ".name\" must be unique, but \""
                        + name + "\" is also the name of split.routes[" + names.indexOf(name)
                        + "]");
            }
            names.add(name);
            int w = integer(rat + ".weight", route.get("weight"));
            if (w < 0 || w > MAX_WEIGHT) {
                throw new IllegalArgumentException("\"" + rat + ".weight\" must be in 0.."
                        + MAX_WEIGHT + ", was " + w);
            }
            weights[i] = w;
            positive |= w > 0;
        }
        if (!positive) {
            throw new IllegalArgumentException(
                    "\"split.routes\": at least one route weight must be positive, all are 0");
        }
        Metadata.Key<String> header = null;
        if (m.containsKey("header")) {
            String h = string(at + ".header", m.get("header"));
            if (h.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                throw new IllegalArgumentException("\"split.header\" must be a text (ASCII)"
                        + " header, not a binary (-bin) one, was \"" + h + "\"");
            }
            header = checked(at + ".header",
                    () -> Metadata.Key.of(h, Metadata.ASCII_STRING_MARSHALLER));
        }
        Map<String, String> values = null;
        if (m.containsKey("values")) {
            if (header == null) {
                throw new IllegalArgumentException(
                        "\"split.values\" needs \"split.header\": the header whose values they are");
            }
            values = new LinkedHashMap<>();
            for (Map.Entry<String, ?> e : object(at + ".values", m.get("values")).entrySet()) {
                String route = string(at + ".values." + e.getKey(), e.getValue());
                if (!names.contains(route)) {
                    throw new IllegalArgumentException("\"split.values." + e.getKey()
                            + "\" must name a route, one of " + names + ", was \"" + route
                            + "\"");
                }
                values.put(e.getKey(), route);
            }
        }
        return new SplitConfig(attribute, names, weights, header, values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("split[");
        for (int i = 0; i < names.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(names.get(i)).append('=').append(weights[i]);
        }
        return sb.append(" by ").append(attribute)
                .append(header == null ? "" : ", header " + header.name()).append(']').toString();
    }
}
