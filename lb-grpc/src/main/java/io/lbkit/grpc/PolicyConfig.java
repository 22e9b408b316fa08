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
            "panicThreshold", "maxRequestsPerEndpoint", "localZone", "healthCheck");

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

    private PolicyConfig(Map<String, ?> source, String strategyName, Strategy strategy,
            Set<Status.Code> failureCodes, List<Consumer<LoadBalancer.Builder>> options,
            HealthSettings health, String hashHeaderName) {
        this.source = source;
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
        String hashHeader = null;
        if (m.containsKey("hashHeader")) {
            if (!HASH_STRATEGIES.contains(name)) {
                throw new IllegalArgumentException("\"hashHeader\" applies to the hash strategies "
                        + HASH_STRATEGIES + " only, but the strategy is \"" + name + "\"");
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
        return new PolicyConfig(m, name, strategy, failureCodes, options, health, hashHeader);
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

    /** Runs a core setter or build, prefixing its range message with the JSON path. */
    private static <T> T checked(String path, java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + path + "\": " + e.getMessage(), e);
        }
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
