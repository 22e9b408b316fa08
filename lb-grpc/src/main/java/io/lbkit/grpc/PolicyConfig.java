package io.lbkit.grpc;

import io.grpc.Metadata;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import io.lbkit.LoadBalancer;
import io.lbkit.health.CircuitBreaker;
import io.lbkit.health.HealthCheck;
import io.lbkit.health.HealthProbe;
import io.lbkit.health.OutlierDetection;
import io.lbkit.health.SlowStart;
import io.lbkit.strategy.Strategy;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The parsed JSON config of the {@code lbkit} policy. Immutable and thread-safe.
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

    private static final List<String> FIELDS = List.of("strategy", "choiceCount", "decayTime",
            "minRingSize", "maxRingSize", "tableSize", "balanceFactor", "hashHeader",
            "failureStatusCodes", "outlierDetection", "circuitBreaker", "slowStart",
            "panicThreshold", "maxRequestsPerEndpoint", "localZone", "healthCheck", "split");

    /** The strategies by their config name. */
    private static final Map<String, Strategy> STRATEGIES;

    static {
        Map<String, Strategy> m = new LinkedHashMap<>();
        m.put("round_robin", Strategy.roundRobin());
        m.put("weighted_round_robin", Strategy.weightedRoundRobin());
        m.put("random", Strategy.random());
        m.put("weighted_random", Strategy.weightedRandom());
        m.put("least_request", Strategy.leastRequest());
        m.put("peak_ewma", Strategy.peakEwma());
        m.put("ring_hash", Strategy.ringHash());
        m.put("maglev", Strategy.maglev());
        m.put("bounded_load", Strategy.boundedLoad());
        m.put("rendezvous", Strategy.rendezvous());
        STRATEGIES = Collections.unmodifiableMap(m);
    }

    /** The strategies that use a call's hash key. */
    private static final Set<String> HASH_STRATEGIES =
            Set.of("ring_hash", "maglev", "bounded_load", "rendezvous");

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
    private final Split split; // null: no traffic split
    /**
     * The JSON without the local zone and the split's route weights: equal means the balancers
     * can be kept.
     */
    private final Map<String, ?> balancerSource;
    private final String localZone; // null: zone awareness off

    private PolicyConfig(Map<String, ?> source, String strategyName, Strategy strategy,
            Set<Status.Code> failureCodes, List<Consumer<LoadBalancer.Builder>> options,
            HealthSettings health, String hashHeaderName, Split split) {
        this.source = source;
        this.split = split;
        this.localZone = source.containsKey("localZone") ? (String) source.get("localZone") : null;
        // The balancers follow a new local zone and new split weights at run time.
        Map<String, Object> b = new LinkedHashMap<>(source);
        b.remove("localZone");
        if (split != null) {
            Map<String, Object> s = new LinkedHashMap<>(object("split", source.get("split")));
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
    Split split() {
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

    static PolicyConfig parseOrThrow(Map<String, ?> json) {
        Map<String, ?> m = json == null ? Map.of() : json;
        checkFields("", m, FIELDS);
        String name = DEFAULT_STRATEGY;
        Object s = m.get("strategy");
        if (s != null) {
            if (!(s instanceof String) || !STRATEGIES.containsKey(s)) {
                throw new IllegalArgumentException("\"strategy\" must be one of "
                        + STRATEGIES.keySet() + ", was " + describe(s));
            }
            name = (String) s;
        }
        Strategy strategy = STRATEGIES.get(name);
        if (m.containsKey("choiceCount")) {
            requireStrategy(name, "choiceCount", "least_request");
            int n = integer("choiceCount", m.get("choiceCount"));
            strategy = checked("choiceCount", () -> Strategy.leastRequest(n));
        }
        if (m.containsKey("decayTime")) {
            requireStrategy(name, "decayTime", "peak_ewma");
            Duration d = duration("decayTime", m.get("decayTime"));
            strategy = checked("decayTime", () -> Strategy.peakEwma(d));
        }
        if (m.containsKey("minRingSize") || m.containsKey("maxRingSize")) {
            String field = m.containsKey("minRingSize") ? "minRingSize" : "maxRingSize";
            requireStrategy(name, field, "ring_hash");
            // A bound left out keeps the core's default (Strategy.ringHash()): 131,072 points
            // minimum for balance, 8,388,608 maximum.
            int min = m.containsKey("minRingSize") ? integer("minRingSize", m.get("minRingSize"))
                    : 131_072;
            int max = m.containsKey("maxRingSize") ? integer("maxRingSize", m.get("maxRingSize"))
                    : 8_388_608;
            strategy = checked("minRingSize/maxRingSize", () -> Strategy.ringHash(min, max));
        }
        if (m.containsKey("tableSize")) {
            requireStrategy(name, "tableSize", "maglev");
            int n = integer("tableSize", m.get("tableSize"));
            strategy = checked("tableSize", () -> Strategy.maglev(n));
        }
        if (m.containsKey("balanceFactor")) {
            requireStrategy(name, "balanceFactor", "bounded_load");
            Object f = m.get("balanceFactor");
            if (!(f instanceof Number)) {
                throw new IllegalArgumentException(
                        "\"balanceFactor\" must be a number, was " + describe(f));
            }
            double c = ((Number) f).doubleValue();
            strategy = checked("balanceFactor", () -> Strategy.boundedLoad(c));
        }
        Split split = m.containsKey("split") ? Split.parse(m.get("split")) : null;
        String hashHeader = null;
        if (m.containsKey("hashHeader")) {
            // With a split the key also keeps a caller on one side of it, whatever the strategy.
            if (!HASH_STRATEGIES.contains(name) && split == null) {
                throw new IllegalArgumentException("\"hashHeader\" applies to the hash strategies "
                        + HASH_STRATEGIES + " or with \"split\" only, but the strategy is \""
                        + name + "\" and there is no \"split\"");
            }
            hashHeader = string("hashHeader", m.get("hashHeader"));
            String h = hashHeader;
            checked("hashHeader", () -> h.endsWith(Metadata.BINARY_HEADER_SUFFIX)
                    ? Metadata.Key.of(h, Metadata.BINARY_BYTE_MARSHALLER)
                    : Metadata.Key.of(h, Metadata.ASCII_STRING_MARSHALLER));
        }

        Set<Status.Code> failureCodes = DEFAULT_FAILURE_CODES;
        if (m.containsKey("failureStatusCodes")) {
            failureCodes = statusCodes(m.get("failureStatusCodes"));
        }

        List<Consumer<LoadBalancer.Builder>> options = new ArrayList<>();
        // Validates the plain options with the core's own checks (and messages).
        LoadBalancer.Builder validator = LoadBalancer.builder(io.lbkit.EndpointGroup.of());
        if (m.containsKey("outlierDetection")) {
            OutlierDetection od = outlierDetection(m.get("outlierDetection"));
            options.add(b -> b.outlierDetection(od));
        }
        if (m.containsKey("circuitBreaker")) {
            CircuitBreaker cb = circuitBreaker(m.get("circuitBreaker"));
            options.add(b -> b.circuitBreaker(cb));
        }
        if (m.containsKey("slowStart")) {
            SlowStart ss = slowStart(m.get("slowStart"));
            options.add(b -> b.slowStart(ss));
        }
        if (m.containsKey("panicThreshold")) {
            int p = integer("panicThreshold", m.get("panicThreshold"));
            checked("panicThreshold", () -> validator.panicThreshold(p));
            options.add(b -> b.panicThreshold(p));
        }
        if (m.containsKey("maxRequestsPerEndpoint")) {
            int n = integer("maxRequestsPerEndpoint", m.get("maxRequestsPerEndpoint"));
            checked("maxRequestsPerEndpoint", () -> validator.maxRequestsPerEndpoint(n));
            options.add(b -> b.maxRequestsPerEndpoint(n));
        }
        if (m.containsKey("localZone")) {
            String zone = string("localZone", m.get("localZone"));
            checked("localZone", () -> validator.localZone(zone));
            options.add(b -> b.localZone(zone));
        }
        HealthSettings health = null;
        if (m.containsKey("healthCheck")) {
            health = healthCheck(m.get("healthCheck"));
        }
        return new PolicyConfig(m, name, strategy, failureCodes, options, health, hashHeader,
                split);
    }

    // ---- nested objects ------------------------------------------------------------------

    private static OutlierDetection outlierDetection(Object v) {
        String at = "outlierDetection";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("enabled", "consecutiveFailures", "interval",
                "baseEjectionTime", "maxEjectionTime", "maxEjectionPercent",
                "successRateStdevFactor", "successRateMinimumHosts", "successRateRequestVolume",
                "failurePercentageThreshold", "failurePercentageMinimumHosts",
                "failurePercentageRequestVolume"));
        if (m.containsKey("enabled") && !bool(at + ".enabled", m.get("enabled"))) {
            if (m.size() > 1) {
                throw new IllegalArgumentException("\"" + at
                        + "\" with \"enabled\": false takes no other field");
            }
            return OutlierDetection.disabled();
        }
        OutlierDetection.Builder b = OutlierDetection.builder();
        intField(at, m, "consecutiveFailures", b::consecutiveFailures);
        durationField(at, m, "interval", b::interval);
        durationField(at, m, "baseEjectionTime", b::baseEjectionTime);
        durationField(at, m, "maxEjectionTime", b::maxEjectionTime);
        intField(at, m, "maxEjectionPercent", b::maxEjectionPercent);
        intField(at, m, "successRateStdevFactor", b::successRateStdevFactor);
        intField(at, m, "successRateMinimumHosts", b::successRateMinimumHosts);
        intField(at, m, "successRateRequestVolume", b::successRateRequestVolume);
        intField(at, m, "failurePercentageThreshold", b::failurePercentageThreshold);
        intField(at, m, "failurePercentageMinimumHosts", b::failurePercentageMinimumHosts);
        intField(at, m, "failurePercentageRequestVolume", b::failurePercentageRequestVolume);
        return checked(at, b::build);
    }

    private static CircuitBreaker circuitBreaker(Object v) {
        String at = "circuitBreaker";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("failureThreshold", "openDuration", "trialCalls"));
        CircuitBreaker.Builder b = CircuitBreaker.builder();
        intField(at, m, "failureThreshold", b::failureThreshold);
        durationField(at, m, "openDuration", b::openDuration);
        intField(at, m, "trialCalls", b::trialCalls);
        return checked(at, b::build);
    }

    private static SlowStart slowStart(Object v) {
        String at = "slowStart";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("window", "aggression", "minWeightPercent"));
        if (!m.containsKey("window")) {
            throw new IllegalArgumentException("\"slowStart.window\" is required, e.g. \"30s\"");
        }
        Duration window = duration(at + ".window", m.get("window"));
        SlowStart.Builder b = checked(at + ".window", () -> SlowStart.builder(window));
        intField(at, m, "aggression", b::aggression);
        intField(at, m, "minWeightPercent", b::minWeightPercent);
        return checked(at, b::build);
    }

    private static HealthSettings healthCheck(Object v) {
        String at = "healthCheck";
        Map<String, ?> m = object(at, v);
        checkFields(at, m, List.of("serviceName", "interval", "timeout", "rise", "fall",
                "jitterPercent"));
        String service = m.containsKey("serviceName")
                ? string(at + ".serviceName", m.get("serviceName")) : "";
        HealthSettings h = new HealthSettings(service, m);
        h.build(HealthProbe.constant(true)); // validates every field now, at parse time
        return h;
    }

    /**
     * The {@code healthCheck} object: a service name and the check's timing. The probe is bound
     * per policy instance (it needs that policy's subchannels), so the check is built there.
     */
    static final class HealthSettings {
        private final String serviceName;
        private final Map<String, ?> json;

        private HealthSettings(String serviceName, Map<String, ?> json) {
            this.serviceName = serviceName;
            this.json = json;
        }

        /** The {@code grpc.health.v1} service name to ask about; "" (the default): the server. */
        String serviceName() {
            return serviceName;
        }

        /** The check's timeout (the core's default, 1 s, when not configured). */
        Duration timeout() {
            return build(HealthProbe.constant(true)).timeout();
        }

        HealthCheck build(HealthProbe probe) {
            String at = "healthCheck";
            HealthCheck.Builder b = HealthCheck.builder(probe);
            durationField(at, json, "interval", b::interval);
            durationField(at, json, "timeout", b::timeout);
            intField(at, json, "rise", b::rise);
            intField(at, json, "fall", b::fall);
            intField(at, json, "jitterPercent", b::jitterPercent);
            return checked(at, b::build);
        }
    }

    /**
     * The {@code split} object: weighted routes over endpoint groups named by an endpoint
     * attribute, and an optional header that routes a call to one route. Immutable.
     */
    static final class Split {

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

        private Split(String attribute, List<String> names, int[] weights,
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

        static Split parse(Object v) {
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
            return new Split(attribute, names, weights, header, values);
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

    // ---- field helpers ---------------------------------------------------------------------

    private static void checkFields(String at, Map<String, ?> m, List<String> known) {
        for (String key : m.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown field \""
                        + (at.isEmpty() ? key : at + "." + key) + "\"; the fields"
                        + (at.isEmpty() ? "" : " of \"" + at + "\"") + " are " + known);
            }
        }
    }

    private static void requireStrategy(String actual, String field, String required) {
        if (!actual.equals(required)) {
            throw new IllegalArgumentException("\"" + field + "\" applies to strategy \""
                    + required + "\" only, but the strategy is \"" + actual + "\"");
        }
    }

    /**
     * Runs a core setter or build, prefixing its range message with the JSON path. The core
     * prints durations as {@link Duration#toString()} does ({@code PT0.01S}); the message shows
     * them as the config writes them ({@code "0.01s"}).
     */
    private static <T> T checked(String path, java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + path + "\": "
                    + configDurations(e.getMessage()), e);
        }
    }

    /** Java's ISO-8601 durations, as the core's messages print them: {@code PT1H}, {@code PT0.01S}. */
    private static final java.util.regex.Pattern ISO_DURATION = java.util.regex.Pattern.compile(
            "\\bPT(?:\\d+H)?(?:\\d+M)?(?:\\d+(?:\\.\\d+)?S)?\\b");

    /** {@code text} with every ISO-8601 duration written as a config duration. */
    static String configDurations(String text) {
        if (text == null) {
            return null;
        }
        java.util.regex.Matcher m = ISO_DURATION.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String iso = m.group();
            String replacement = iso;
            if (iso.length() > 2) {
                try {
                    replacement = configDuration(Duration.parse(iso));
                } catch (java.time.format.DateTimeParseException e) {
                    // not a duration after all: left as it is
                }
            }
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(replacement));
        }
        return m.appendTail(sb).toString();
    }

    /** A duration in the config's form: decimal seconds and {@code s}, {@code "0.25s"}. */
    static String configDuration(Duration d) {
        return new BigDecimal(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9))
                .stripTrailingZeros().toPlainString() + "s";
    }

    private static void intField(String at, Map<String, ?> m, String key, IntConsumer setter) {
        if (m.containsKey(key)) {
            String path = at + "." + key;
            int n = integer(path, m.get(key));
            checked(path, () -> {
                setter.accept(n);
                return null;
            });
        }
    }

    private static void durationField(String at, Map<String, ?> m, String key,
            Consumer<Duration> setter) {
        if (m.containsKey(key)) {
            String path = at + "." + key;
            Duration d = duration(path, m.get(key));
            checked(path, () -> {
                setter.accept(d);
                return null;
            });
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> object(String path, Object v) {
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException(
                    "\"" + path + "\" must be a JSON object, was " + describe(v));
        }
        return (Map<String, ?>) v;
    }

    private static boolean bool(String path, Object v) {
        if (!(v instanceof Boolean)) {
            throw new IllegalArgumentException(
                    "\"" + path + "\" must be true or false, was " + describe(v));
        }
        return (Boolean) v;
    }

    private static String string(String path, Object v) {
        if (!(v instanceof String)) {
            throw new IllegalArgumentException(
                    "\"" + path + "\" must be a string, was " + describe(v));
        }
        return (String) v;
    }

    private static int integer(String path, Object v) {
        if (v instanceof Number) {
            double d = ((Number) v).doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) {
                return (int) d;
            }
        }
        throw new IllegalArgumentException(
                "\"" + path + "\" must be a whole number, was " + describe(v));
    }

    /**
     * A duration in the protobuf JSON form grpc service configs use: decimal seconds with an
     * {@code s} suffix ({@code "10s"}, {@code "0.25s"}).
     */
    static Duration duration(String path, Object v) {
        if (v instanceof String) {
            String text = (String) v;
            if (text.endsWith("s") && text.length() > 1) {
                try {
                    BigDecimal seconds = new BigDecimal(text.substring(0, text.length() - 1));
                    if (seconds.signum() >= 0 && seconds.scale() <= 9) {
                        return Duration.ofSeconds(
                                seconds.setScale(0, RoundingMode.DOWN).longValueExact(),
                                seconds.remainder(BigDecimal.ONE).movePointRight(9).intValue());
                    }
                } catch (NumberFormatException | ArithmeticException e) {
                    // falls through to the message below
                }
            }
        }
        throw new IllegalArgumentException("\"" + path
                + "\" must be a duration in seconds such as \"10s\" or \"0.5s\", was "
                + describe(v));
    }

    private static Set<Status.Code> statusCodes(Object v) {
        if (!(v instanceof List)) {
            throw new IllegalArgumentException("\"failureStatusCodes\" must be a list of status"
                    + " code names, was " + describe(v));
        }
        List<String> known = new ArrayList<>();
        for (Status.Code c : Status.Code.values()) {
            if (c != Status.Code.OK) {
                known.add(c.name());
            }
        }
        Set<Status.Code> out = EnumSet.noneOf(Status.Code.class);
        for (Object o : (List<?>) v) {
            if (!(o instanceof String) || !known.contains(o)) {
                throw new IllegalArgumentException("\"failureStatusCodes\" entries must be status"
                        + " code names other than OK (" + String.join(", ", known) + "), was "
                        + describe(o));
            }
            out.add(Status.Code.valueOf((String) o));
        }
        return out;
    }

    private static String describe(Object v) {
        return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
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
