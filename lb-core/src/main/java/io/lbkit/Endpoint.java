package io.lbkit;

import static java.util.Objects.requireNonNull;

import io.lbkit.internal.Hosts;
import io.lbkit.internal.Preconditions;
import io.lbkit.internal.Quote;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One address that calls can be sent to: a host and port, with the weight, zone, priority and
 * free-form attributes that balancing uses. Immutable and thread-safe.
 *
 * <p>Two endpoints with the same {@linkplain #host() host} and {@linkplain #port() port} are the
 * same <em>address</em> ({@link #address()}): a load balancer keeps per-endpoint state (in-flight
 * calls, latency, health) by address, so when an update changes only an endpoint's weight, its
 * state carries over. {@link #equals(Object)} compares every field.
 */
public final class Endpoint {

    /** Smallest weight: 1. A weight of zero would be a removed endpoint; remove it instead. */
    public static final int MIN_WEIGHT = 1;

    /** Largest weight: 65,535, the range of a DNS SRV weight. */
    public static final int MAX_WEIGHT = 65_535;

    /** Largest priority: 127. Priority 0 is the primary group, higher numbers are fallbacks. */
    public static final int MAX_PRIORITY = 127;

    private final String host;
    private final int port;
    private final int weight;
    private final String zone; // null when unset
    private final String region; // null when unset
    private final int priority;
    private final Map<String, String> attributes;
    private final String address;

    private Endpoint(String host, int port, int weight, String zone, String region, int priority,
            Map<String, String> attributes) {
        this.host = host;
        this.port = port;
        this.weight = weight;
        this.zone = zone;
        this.region = region;
        this.priority = priority;
        this.attributes = attributes;
        this.address = formatAddress(host, port);
    }

    /**
     * An endpoint of weight 1, no zone, priority 0.
     *
     * @param host a host name (RFC 1123: at most 253 characters, labels of 1..63 ASCII letters,
     *     digits, {@code -} or {@code _}, none starting or ending with {@code -}), a dotted-quad
     *     IPv4 literal, or an IPv6 literal with or without brackets; kept in lower case, IPv6 in
     *     RFC 5952 form. International names must be given in A-label form
     *     ({@code java.net.IDN.toASCII("münchen.de")} is {@code xn--mnchen-3ya.de}).
     * @param port 1..65535
     * @throws IllegalArgumentException if host breaks that grammar (the message quotes it,
     *     escaped and truncated) or port is out of range
     */
    public static Endpoint of(String host, int port) {
        return builder(host, port).build();
    }

    /**
     * An endpoint of the given weight, no zone, priority 0.
     *
     * @param weight {@value #MIN_WEIGHT}..{@value #MAX_WEIGHT}
     * @throws IllegalArgumentException if an argument is out of range
     */
    public static Endpoint of(String host, int port, int weight) {
        return builder(host, port).weight(weight).build();
    }

    /** A builder for an endpoint with a zone, region, priority or attributes. */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    /** A builder that starts from this endpoint's values; each may be set once more. */
    public Builder toBuilder() {
        Builder b = new Builder(host, port);
        b.weight = weight;
        b.zone = zone;
        b.region = region;
        b.priority = priority;
        b.attributes.putAll(attributes);
        return b;
    }

    /**
     * The host name or IP literal, in lower case (host names are case-insensitive); IPv6 without
     * brackets, in RFC 5952 form ({@code 2001:db8::1}).
     */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The relative share of traffic weighted strategies give this endpoint; 1 by default. */
    public int weight() {
        return weight;
    }

    /** The zone (for example {@code "eu-1a"}), if one was set. */
    public Optional<String> zone() {
        return Optional.ofNullable(zone);
    }

    /**
     * The region the endpoint's zone belongs to (for example {@code "eu-1"}), if one was set:
     * zone-aware routing prefers the local zone, then the local region, then the rest.
     */
    public Optional<String> region() {
        return Optional.ofNullable(region);
    }

    /** The failover priority: 0 (the default) is primary, 1 the first fallback, and so on. */
    public int priority() {
        return priority;
    }

    /** Free-form attributes (for example a version label); an immutable, possibly empty map. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /**
     * The identity of this endpoint for per-endpoint state: {@code host:port}, with IPv6 literals
     * in brackets ({@code [::1]:8080}).
     */
    public String address() {
        return address;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Endpoint)) {
            return false;
        }
        Endpoint e = (Endpoint) o;
        return port == e.port && weight == e.weight && priority == e.priority
                && host.equals(e.host) && java.util.Objects.equals(zone, e.zone)
                && java.util.Objects.equals(region, e.region)
                && attributes.equals(e.attributes);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(host, port, weight, zone, region, priority, attributes);
    }

    /** {@code host:port}, then any non-default weight, zone and priority. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(address);
        if (weight != 1) {
            sb.append(" weight=").append(weight);
        }
        if (zone != null) {
            sb.append(" zone=").append(zone);
        }
        if (region != null) {
            sb.append(" region=").append(region);
        }
        if (priority != 0) {
            sb.append(" priority=").append(priority);
        }
        if (!attributes.isEmpty()) {
            sb.append(' ').append(attributes);
        }
        return sb.toString();
    }

    private static String formatAddress(String host, int port) {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    /**
     * Builds an {@link Endpoint}. Not thread-safe. Each option may be set once; arguments are
     * validated when set.
     */
    public static final class Builder {
        private final String host;
        private final int port;
        private int weight = 1;
        private String zone;
        private String region;
        private int priority;
        private final Preconditions.SetOnce set = new Preconditions.SetOnce();
        private final Map<String, String> attributes = new LinkedHashMap<>();

        private Builder(String host, int port) {
            this.host = Hosts.canonicalHost(host, "host");
            this.port = Preconditions.checkRange("port", port, 1, 65_535);
        }

        /**
         * The weight, {@value Endpoint#MIN_WEIGHT}..{@value Endpoint#MAX_WEIGHT}; default 1.
         *
         * @throws IllegalStateException if the weight was already set
         */
        public Builder weight(int weight) {
            this.weight = set.range("weight", this.weight, weight, MIN_WEIGHT, MAX_WEIGHT);
            return this;
        }

        /**
         * The zone name, not blank, without control characters; default none.
         *
         * @throws IllegalStateException if the zone was already set
         */
        public Builder zone(String zone) {
            requireNonNull(zone, "zone");
            set.checkUnset("zone", this.zone);
            this.zone = set.value("zone", this.zone, checkName("zone", zone));
            return this;
        }

        /**
         * The region name, not blank, without control characters; default none.
         *
         * @throws IllegalStateException if the region was already set
         */
        public Builder region(String region) {
            requireNonNull(region, "region");
            set.checkUnset("region", this.region);
            this.region = set.value("region", this.region, checkName("region", region));
            return this;
        }

        /**
         * The priority, 0..{@value Endpoint#MAX_PRIORITY}; default 0 (primary).
         *
         * @throws IllegalStateException if the priority was already set
         */
        public Builder priority(int priority) {
            this.priority = set.range("priority", this.priority, priority, 0, MAX_PRIORITY);
            return this;
        }

        /**
         * Adds an attribute.
         *
         * @throws IllegalStateException if this key was already set
         */
        public Builder attribute(String key, String value) {
            requireNonNull(key, "key");
            requireNonNull(value, "value");
            if (attributes.containsKey(key)) {
                throw new IllegalStateException(
                        "attribute " + key + " was already set to " + attributes.get(key));
            }
            attributes.put(key, value);
            return this;
        }

        /** Control characters in a zone or region are garbage (a binary file, say), not a name. */
        /** A zone or region name: not blank, no control characters. */
        private static String checkName(String field, String value) {
            if (value.isBlank()) {
                throw new IllegalArgumentException(field + " must not be blank");
            }
            checkPrintable(field, value);
            return value;
        }

        private static void checkPrintable(String field, String value) {
            for (int i = 0; i < value.length(); i++) {
                if (Character.isISOControl(value.charAt(i))) {
                    throw new IllegalArgumentException(field
                            + " must not contain control characters; was " + Quote.quote(value));
                }
            }
        }

        public Endpoint build() {
            return new Endpoint(host, port, weight, zone, region, priority,
                    attributes.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(
                            new LinkedHashMap<>(attributes)));
        }
    }
}
