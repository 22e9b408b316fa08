package io.lbkit.grpc;

import io.grpc.Metadata;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.lbkit.LoadBalancer;
import io.lbkit.health.HealthProbe;
import io.lbkit.strategy.Strategy;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The parsed JSON config of the {@code lbkit} policy (parsed by {@link PolicyConfigParser}).
 * Immutable and thread-safe.
 *
 * <p>The reference (fields, defaults, ranges) is in {@code docs/grpc.md}. Defaults not set here
 * are the core's: a field left out leaves the {@link LoadBalancer.Builder} option unset.
 */
final class PolicyConfig {

    /** Default strategy: {@code least_request}, the core's default (power of two choices). */
    static final String DEFAULT_STRATEGY = "least_request";

    /**
     * Status codes that count against the endpoint by default: the ones a client sees when the
     * server or the connection to it is in trouble. Application errors (NOT_FOUND,
     * INVALID_ARGUMENT, PERMISSION_DENIED, ...) are answers from a working server and count as
     * successes; CANCELLED (the caller gave up) counts as neither.
     */
    static final Set<Status.Code> DEFAULT_FAILURE_CODES = Collections.unmodifiableSet(EnumSet.of(
            Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.INTERNAL,
            Status.Code.UNKNOWN, Status.Code.DATA_LOSS));

    static final PolicyConfig DEFAULT = parseOrThrow(Map.of());

    /** The JSON this was parsed from: equal JSON means an equal config. */
    private final Map<String, ?> source;
    private final String strategyName;
    private final Strategy strategy;
    private final boolean[] failureCodes; // indexed by Status.Code.value()
    private final Set<Status.Code> failureCodeSet;
    /** The balancer options other than strategy, ticker and health check; applied in order. */
    private final List<Consumer<LoadBalancer.Builder>> options;
    private final HealthSettings health; // null: no active health checks
    private final Metadata.Key<String> hashHeader; // null unless a text header is configured
    private final Metadata.Key<byte[]> hashBinaryHeader; // null unless a -bin header is
    private final SplitConfig split; // null: no traffic split
    /**
     * The JSON without the local zone and the split's route weights: equal means the balancers
     * can be kept.
     */
    private final Map<String, ?> balancerSource;
    private final String localZone; // null: zone awareness off

    PolicyConfig(Map<String, ?> source, String strategyName, Strategy strategy,
            Set<Status.Code> failureCodes, List<Consumer<LoadBalancer.Builder>> options,
            HealthSettings health, String hashHeaderName, SplitConfig split) {
        this.source = source;
        this.split = split;
        this.localZone = source.containsKey("localZone") ? (String) source.get("localZone") : null;
        // The balancers follow a new local zone and new split weights at run time.
        Map<String, Object> b = new LinkedHashMap<>(source);
        b.remove("localZone");
        if (split != null) {
            Map<String, Object> s = new LinkedHashMap<>(ConfigJson.object("split", source.get("split")));
            s.put("routes", split.names());
            b.put("split", s);
        }
        this.balancerSource = b;
        this.strategyName = strategyName;
        this.strategy = strategy;
        this.failureCodeSet = Collections.unmodifiableSet(EnumSet.copyOf(failureCodes));
        this.failureCodes = new boolean[Status.Code.values().length];
        for (Status.Code c : failureCodes) {
            this.failureCodes[c.value()] = true;
        }
        this.options = List.copyOf(options);
        this.health = health;
        if (hashHeaderName == null) {
            this.hashHeader = null;
            this.hashBinaryHeader = null;
        } else if (hashHeaderName.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
            this.hashHeader = null;
            this.hashBinaryHeader =
                    Metadata.Key.of(hashHeaderName, Metadata.BINARY_BYTE_MARSHALLER);
        } else {
            this.hashHeader = Metadata.Key.of(hashHeaderName, Metadata.ASCII_STRING_MARSHALLER);
            this.hashBinaryHeader = null;
        }
    }

    /** The text header whose value is a call's hash key, or null. */
    Metadata.Key<String> hashHeader() {
        return hashHeader;
    }

    /** The binary ({@code -bin}) header whose bytes are a call's hash key, or null. */
    Metadata.Key<byte[]> hashBinaryHeader() {
        return hashBinaryHeader;
    }

    Strategy strategy() {
        return strategy;
    }

    /** The traffic split, or null when the config has none (the default). */
    SplitConfig split() {
        return split;
    }

    /** The configured local zone, or null. */
    String localZone() {
        return localZone;
    }

    /**
     * Whether {@code other} differs from this config in the local zone and the split's route
     * weights at most, so that a policy can keep its balancers and only change those.
     */
    boolean sameBalancers(PolicyConfig other) {
        return other != null && balancerSource.equals(other.balancerSource);
    }

    /** Whether a call closed with this code counts as a failure of the endpoint. */
    boolean isFailure(Status.Code code) {
        return failureCodes[code.value()];
    }

    Set<Status.Code> failureCodes() {
        return failureCodeSet;
    }

    /** The active health-check settings, or null when health checking is off (the default). */
    HealthSettings health() {
        return health;
    }

    /**
     * Applies strategy, outlier detection, circuit breaker, slow start, panic threshold, request
     * cap and local zone to {@code b}; and the health check with {@code probe} when configured.
     */
    void apply(LoadBalancer.Builder b, HealthProbe probe) {
        b.strategy(strategy);
        options.forEach(o -> o.accept(b));
        if (health != null) {
            b.healthCheck(health.build(probe));
        }
    }


    /**
     * Parses the policy's JSON object (as grpc hands it: maps, lists, strings, numbers,
     * booleans).
     *
     * @return the config, or an UNAVAILABLE status (grpc's convention for a rejected policy
     *     config) whose description names the field and what it accepts
     */
    static ConfigOrError parse(Map<String, ?> json) {
        try {
            return ConfigOrError.fromConfig(parseOrThrow(json));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return ConfigOrError.fromError(Status.UNAVAILABLE
                    .withDescription("invalid lbkit load-balancing config: " + e.getMessage())
                    .withCause(e));
        }
    }

    /**
     * Parses the policy's JSON object.
     *
     * @throws IllegalArgumentException naming the JSON path of the bad field and what it accepts
     */
    static PolicyConfig parseOrThrow(Map<String, ?> json) {
        return PolicyConfigParser.parse(json);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PolicyConfig && source.equals(((PolicyConfig) o).source);
    }

    @Override
    public int hashCode() {
        return source.hashCode();
    }

    @Override
    public String toString() {
        return "lbkit" + source + " (" + strategy + ")";
    }
}
